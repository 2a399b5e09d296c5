package dev.warden.protocol.postgres.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.SslRequest;
import dev.warden.protocol.postgres.message.StartupMessage;
import dev.warden.protocol.postgres.message.Sync;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Framing over Netty's EmbeddedChannel: split, coalesced, too long, too short, nothing left. */
class FramingTest {

  private static ByteBuf encode(Object... messages) {
    ByteBuf out = Unpooled.buffer();
    for (Object m : messages) {
      switch (m) {
        case FrontendMessage f -> f.encode(out);
        case dev.warden.protocol.postgres.message.StartupPacket s -> s.encode(out);
        default -> throw new IllegalArgumentException();
      }
    }
    return out;
  }

  @Test
  void messagesSplitByteByByteAreReassembled() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(1024));
    ByteBuf bytes = encode(new Query("SELECT 1"), new Sync());
    while (bytes.isReadable()) {
      channel.writeInbound(bytes.readRetainedSlice(1));
    }
    bytes.release();
    assertFrame(channel.readInbound(), new Query("SELECT 1"));
    assertFrame(channel.readInbound(), new Sync());
    assertThat((Object) channel.readInbound()).isNull();
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void coalescedMessagesAreSplit() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(1024));
    channel.writeInbound(encode(new Query("a"), new Query("b"), new Sync()));
    assertFrame(channel.readInbound(), new Query("a"));
    assertFrame(channel.readInbound(), new Query("b"));
    assertFrame(channel.readInbound(), new Sync());
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void oversizedLengthFailsOnTheHeaderAlone() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(1024));
    ByteBuf header = Unpooled.buffer().writeByte('Q').writeInt(0x80000000);
    assertThatThrownBy(() -> channel.writeInbound(header))
        .isInstanceOf(TooLongFrameException.class);
  }

  @Test
  void lengthUnderFourIsCorrupt() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageFramer(1024));
    assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeByte('Q').writeInt(3)))
        .isInstanceOf(CorruptedFrameException.class);
  }

  @Test
  void limitCanBeRaisedWithoutLosingBufferedBytes() {
    MessageFramer framer = new MessageFramer(16);
    EmbeddedChannel channel = new EmbeddedChannel(framer);
    ByteBuf big = encode(new Query("SELECT 'a long statement'"));
    channel.writeInbound(big.readRetainedSlice(3));
    framer.setMaxMessageBytes(1024);
    channel.writeInbound(big);
    assertFrame(channel.readInbound(), new Query("SELECT 'a long statement'"));
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void startupPacketsSplitAndCoalesced() {
    EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
    ByteBuf bytes = encode(new SslRequest(), new StartupMessage(3, 0, Map.of("user", "u")));
    channel.writeInbound(bytes.readRetainedSlice(5));
    assertThat((Object) channel.readInbound()).isNull();
    channel.writeInbound(bytes);
    assertThat((Object) channel.readInbound()).isEqualTo(new SslRequest());
    assertThat((Object) channel.readInbound())
        .isEqualTo(new StartupMessage(3, 0, Map.of("user", "u")));
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void startupPacketOverTenThousandBytesIsRefused() {
    EmbeddedChannel channel = new EmbeddedChannel(new StartupPacketDecoder());
    assertThatThrownBy(
            () -> channel.writeInbound(Unpooled.buffer().writeInt(10_001).writeInt(196608)))
        .isInstanceOf(TooLongFrameException.class);
  }

  @Test
  void encoderWritesRecordsAndPassesRawFramesThrough() {
    EmbeddedChannel channel = new EmbeddedChannel(new MessageEncoder());
    channel.writeOutbound(new Query("x"));
    ByteBuf raw = Unpooled.wrappedBuffer(new byte[] {'S', 0, 0, 0, 4});
    channel.writeOutbound(raw.retainedDuplicate());
    ByteBuf first = channel.readOutbound();
    assertThat(FrontendMessage.decode(first)).isEqualTo(new Query("x"));
    ByteBuf second = channel.readOutbound();
    assertThat(second).isEqualTo(raw);
    first.release();
    second.release();
    raw.release();
    assertThat(channel.finish()).isFalse();
  }

  private static void assertFrame(Object frame, FrontendMessage expected) {
    assertThat(frame).isInstanceOf(ByteBuf.class);
    ByteBuf buf = (ByteBuf) frame;
    try {
      assertThat(FrontendMessage.decode(buf)).isEqualTo(expected);
    } finally {
      buf.release();
    }
  }
}
