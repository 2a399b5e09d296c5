package dev.warden.protocol.mysql.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.protocol.mysql.message.Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PacketFramerTest {
  @Test
  void framesPacketsFedOneByteAtATimeAndCoalesced() {
    EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(1 << 20));
    byte[] two = {3, 0, 0, 0, 'a', 'b', 'c', 1, 0, 0, 1, 'd'};
    for (byte b : two) {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    channel.writeInbound(Unpooled.wrappedBuffer(two));
    for (int i = 0; i < 2; i++) {
      Packet first = channel.readInbound();
      assertThat(first.sequenceId()).isZero();
      assertThat(first.payload().toString(java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("abc");
      first.release();
      Packet second = channel.readInbound();
      assertThat(second.sequenceId()).isEqualTo(1);
      assertThat(second.length()).isEqualTo(1);
      second.release();
    }
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void joinsA16MibSplitPacketAndTheEncoderSplitsItTheSameWay() {
    byte[] payload = new byte[Packet.MAX_PHYSICAL + 10];
    Arrays.fill(payload, (byte) 7);
    payload[payload.length - 1] = 9;
    ByteBuf wire = Unpooled.buffer();
    PacketEncoder.write(Packet.of(5, payload), wire);
    // Two physical packets: 16 MiB - 1 bytes with id 5, then 10 bytes with id 6.
    assertThat(wire.getUnsignedMediumLE(0)).isEqualTo(Packet.MAX_PHYSICAL);
    assertThat(wire.getUnsignedByte(3)).isEqualTo((short) 5);
    assertThat(wire.getUnsignedMediumLE(4 + Packet.MAX_PHYSICAL)).isEqualTo(10);
    assertThat(wire.getUnsignedByte(7 + Packet.MAX_PHYSICAL)).isEqualTo((short) 6);
    EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(32 << 20));
    channel.writeInbound(wire);
    Packet packet = channel.readInbound();
    assertThat(packet.length()).isEqualTo(payload.length);
    assertThat(packet.sequenceId()).isEqualTo(5);
    assertThat(packet.lastSequenceId()).isEqualTo(6);
    assertThat(packet.payload().getByte(payload.length - 1)).isEqualTo((byte) 9);
    packet.release();
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void anExactMultipleEndsWithAnEmptyPacket() {
    byte[] payload = new byte[Packet.MAX_PHYSICAL];
    ByteBuf wire = Unpooled.buffer();
    PacketEncoder.write(Packet.of(0, payload), wire);
    assertThat(wire.readableBytes()).isEqualTo(Packet.MAX_PHYSICAL + 8);
    EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(32 << 20));
    channel.writeInbound(wire);
    Packet packet = channel.readInbound();
    assertThat(packet.length()).isEqualTo(Packet.MAX_PHYSICAL);
    packet.release();
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void singleDecodeLeavesWhatFollowsAPacketUnread() {
    // An SslRequest and, in the same read, the start of the TLS handshake: only the first is a
    // packet; the rest must stay for the TLS handler the phase installs after it.
    PacketFramer framer = new PacketFramer(1 << 16);
    framer.setSingleDecode(true);
    EmbeddedChannel channel = new EmbeddedChannel(framer);
    ByteBuf wire = Unpooled.buffer();
    wire.writeMediumLE(32).writeByte(1).writeZero(32);
    wire.writeBytes(new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5});
    channel.writeInbound(wire);
    Packet request = channel.readInbound();
    assertThat(request.length()).isEqualTo(32);
    request.release();
    assertThat((Object) channel.readInbound()).isNull();
    // Removing the framer hands on the bytes it kept, untouched.
    channel.pipeline().remove(framer);
    ByteBuf rest = channel.readInbound();
    assertThat(rest.readableBytes()).isEqualTo(10);
    assertThat(rest.getByte(rest.readerIndex())).isEqualTo((byte) 0x16);
    rest.release();
    assertThat(channel.finish()).isFalse();
  }

  @Test
  void aLengthOverTheLimitIsRefusedFromItsHeaderAlone() {
    EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(1000));
    // Only the header: no byte of the payload has arrived, and none is waited for.
    assertThatThrownBy(
            () -> channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {-1, -1, 0, 0})))
        .isInstanceOf(TooLongFrameException.class);
  }

  @Test
  void aSplitPacketOverTheLimitIsRefusedAtItsSecondHeader() {
    ByteBuf wire = Unpooled.buffer();
    PacketEncoder.write(Packet.of(0, new byte[Packet.MAX_PHYSICAL + 5]), wire);
    EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(Packet.MAX_PHYSICAL + 1));
    assertThatThrownBy(() -> channel.writeInbound(wire)).isInstanceOf(TooLongFrameException.class);
  }

  @Test
  void aContinuationWithTheWrongSequenceIdIsAViolation() {
    ByteBuf wire = Unpooled.buffer();
    wire.writeMediumLE(Packet.MAX_PHYSICAL).writeByte(0).writeZero(Packet.MAX_PHYSICAL);
    wire.writeMediumLE(1).writeByte(7).writeByte(1);
    EmbeddedChannel channel = new EmbeddedChannel(new PacketFramer(32 << 20));
    assertThatThrownBy(() -> channel.writeInbound(wire)).isInstanceOf(DecoderException.class);
  }
}
