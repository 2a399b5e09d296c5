package dev.warden.protocol.mysql.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.protocol.mysql.codec.PacketFramer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated packets through the framer and every decoder: each either decodes or fails
 * with the protocol's own exceptions — never an index error, an allocation of a claimed huge
 * length, or a hang. (The gateway's canary session is in the integration tests.)
 */
class PacketDecoderFuzzTest {
  private static final long SEED = 20261207L;

  private static final java.util.List<Consumer<ByteBuf>> DECODERS =
      java.util.List.of(
          Command::decode,
          HandshakeV10::decode,
          HandshakeResponse41::decode,
          OkPacket::decode,
          ErrPacket::decode,
          EofPacket::decode,
          ColumnDefinition41::decode,
          ComStmtPrepareOk::decode,
          AuthSwitchRequest::decode,
          in -> ComStmtExecute.decode(in, 3, null, null),
          in -> ChangeUser.decode(in, -1),
          in -> {
            while (in.isReadable()) {
              Wire.skipLengthEncoded(in);
            }
          });

  @Test
  void decodersOnlyFailTheProtocolsWay() {
    Random random = new Random(SEED);
    byte[][] seeds = {
      new HandshakeV10("8.0.36", 7, new byte[20], 0xFFFFF7FF, 45, 2, "caching_sha2_password", 0)
          .encode()
          .array(),
      new HandshakeResponse41(
              0x01BFA685,
              1 << 24,
              45,
              "u",
              new byte[40],
              "db",
              "mysql_native_password",
              java.util.Map.of("a", "b"))
          .encode()
          .array(),
      new ColumnDefinition41("def", "s", "t", "t", "c", "c", 45, 10, 253, 0, 0).encode().array(),
      new byte[] {0x17, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 8, 0, -3, 0, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8},
    };
    int decoded = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] input;
      if (random.nextBoolean()) {
        input = new byte[random.nextInt(64)];
        random.nextBytes(input);
      } else {
        byte[] seed = seeds[random.nextInt(seeds.length)];
        input = seed.clone();
        for (int m = random.nextInt(4); m >= 0; m--) {
          int at = random.nextInt(input.length);
          input[at] = (byte) random.nextInt(256);
        }
        if (random.nextInt(4) == 0) {
          input = java.util.Arrays.copyOf(input, random.nextInt(input.length + 1));
        }
      }
      for (Consumer<ByteBuf> decoder : DECODERS) {
        try {
          decoder.accept(Unpooled.wrappedBuffer(input));
          decoded++;
        } catch (ProtocolViolation expected) {
          // the protocol's own failure
        }
      }
    }
    assertThat(decoded).isPositive();
  }

  @Test
  void theFramerSurvivesRandomStreamsWithBoundedMemory() {
    Random random = new Random(SEED + 1);
    for (int round = 0; round < 500; round++) {
      EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(1 << 16));
      try {
        for (int chunk = 0; chunk < 20; chunk++) {
          byte[] bytes = new byte[random.nextInt(300)];
          random.nextBytes(bytes);
          channel.writeInbound(Unpooled.wrappedBuffer(bytes));
          Packet p;
          while ((p = channel.readInbound()) != null) {
            assertThat(p.length()).isLessThanOrEqualTo(1 << 16);
            p.release();
          }
        }
      } catch (DecoderException expected) {
        // a length over the limit or a broken split packet
      } finally {
        channel.finishAndReleaseAll();
      }
    }
  }
}
