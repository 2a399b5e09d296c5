package dev.warden.protocol.postgres.message;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The frontend decoder on frames mutated from valid ones (seeded, bounded): each decodes to a
 * message or is refused with a {@link ProtocolViolation} — never another exception (an index out of
 * bounds, a negative size), which the gateway would treat as its own bug. The client-facing half of
 * PipelinedGarbageIT, at a hundred thousand frames a second.
 */
class FrontendDecoderFuzzTest {
  static final List<byte[]> TEMPLATES =
      Stream.of(
              Bytes.of().cstr("SELECT 1").frame('Q'),
              Bytes.of().cstr("s1").cstr("SELECT $1").i16(1).i32(23).frame('P'),
              Bytes.of()
                  .cstr("p1")
                  .cstr("s1")
                  .i16(1)
                  .i16(0)
                  .i16(2)
                  .i32(2)
                  .str("42")
                  .i32(-1)
                  .i16(1)
                  .i16(1)
                  .frame('B'),
              Bytes.of().i8('P').cstr("p1").frame('D'),
              Bytes.of().cstr("p1").i32(10).frame('E'),
              Bytes.of().i8('S').cstr("s1").frame('C'),
              Bytes.of().str("a\tb\n").frame('d'),
              Bytes.of().cstr("stop").frame('f'),
              Bytes.of().i32(42).i16(1).i16(0).i16(1).i32(1).str("x").i16(0).frame('F'),
              Bytes.of().frame('S'),
              Bytes.of().frame('H'),
              Bytes.of().frame('c'))
          .map(FrontendDecoderFuzzTest::bytes)
          .toList();

  private static byte[] bytes(ByteBuf frame) {
    byte[] bytes = new byte[frame.readableBytes()];
    frame.readBytes(bytes);
    frame.release();
    return bytes;
  }

  @Test
  void mutatedFramesDecodeOrAreRefusedAsViolations() {
    Random random = new Random(Long.getLong("warden.fuzz.seed", 20261207L));
    int decoded = 0;
    int refused = 0;
    for (int i = 0; i < 100_000; i++) {
      byte[] frame = mutate(TEMPLATES.get(random.nextInt(TEMPLATES.size())), random);
      ByteBuf buf = Unpooled.wrappedBuffer(frame);
      try {
        FrontendMessage.decode(buf);
        decoded++;
      } catch (ProtocolViolation e) {
        refused++;
      } catch (RuntimeException e) {
        throw new AssertionError(
            "frame " + Arrays.toString(frame) + " raised " + e + " instead of a violation", e);
      } finally {
        buf.release();
      }
    }
    assertThat(decoded).isPositive();
    assertThat(refused).isPositive();
  }

  /** A frame with a mutated body (its length kept consistent) or type. */
  static byte[] mutate(byte[] frame, Random random) {
    byte[] body = Arrays.copyOfRange(frame, 5, frame.length);
    byte type = frame[0];
    int mutations = 1 + random.nextInt(3);
    for (int m = 0; m < mutations; m++) {
      switch (random.nextInt(6)) {
        case 0 -> {
          if (body.length > 0) {
            body[random.nextInt(body.length)] = (byte) random.nextInt(256);
          }
        }
        case 1 -> {
          if (body.length > 0) {
            body[random.nextInt(body.length)] = 0;
          }
        }
        case 2 -> body = Arrays.copyOf(body, random.nextInt(body.length + 1));
        case 3 -> {
          int extra = 1 + random.nextInt(8);
          byte[] longer = Arrays.copyOf(body, body.length + extra);
          for (int k = body.length; k < longer.length; k++) {
            longer[k] = (byte) random.nextInt(256);
          }
          body = longer;
        }
        case 4 -> {
          if (body.length >= 2) {
            int at = random.nextInt(body.length - 1);
            body[at] = (byte) (random.nextBoolean() ? 0xFF : 0x7F);
            body[at + 1] = (byte) random.nextInt(256);
          }
        }
        default -> type = (byte) random.nextInt(128);
      }
    }
    ByteBuf out = Unpooled.buffer();
    out.writeByte(type).writeInt(body.length + 4).writeBytes(body);
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    return bytes;
  }

  @Test
  void theTemplatesAreValid() {
    for (byte[] frame : TEMPLATES) {
      ByteBuf buf = Unpooled.wrappedBuffer(frame);
      try {
        assertThat(FrontendMessage.decode(buf)).isNotNull();
      } finally {
        buf.release();
      }
    }
    assertThat(new String(TEMPLATES.getFirst(), 5, 8, StandardCharsets.UTF_8))
        .isEqualTo("SELECT 1");
  }
}
