package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The client's request to switch to TLS (Protocol::SSLRequest): the first 32 bytes of a {@link
 * HandshakeResponse41} with the SSL capability, sent before the TLS handshake.
 */
public record SslRequest(int capabilities, int maxPacketSize, int characterSet) {
  public static final int LENGTH = 32;

  /** Whether a client's first packet is an SslRequest rather than a whole response. */
  public static boolean is(ByteBuf payload) {
    return payload.readableBytes() == LENGTH
        && (payload.getIntLE(payload.readerIndex()) & Capabilities.SSL) != 0;
  }

  public static SslRequest decode(ByteBuf in) {
    Wire.need(in, LENGTH);
    int capabilities = in.readIntLE();
    int maxPacket = in.readIntLE();
    int characterSet = in.readUnsignedByte();
    in.skipBytes(23);
    return new SslRequest(capabilities, maxPacket, characterSet);
  }

  public ByteBuf encode() {
    ByteBuf out = Unpooled.buffer(LENGTH);
    out.writeIntLE(capabilities).writeIntLE(maxPacketSize).writeByte(characterSet).writeZero(23);
    return out;
  }
}
