package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * More data for the authentication plugin in use (Protocol::AuthMoreData); for {@code
 * caching_sha2_password}: {@link #FAST_AUTH_SUCCESS}, {@link #PERFORM_FULL_AUTHENTICATION}, or the
 * server's RSA public key.
 */
public record AuthMoreData(byte[] data) {
  public static final int HEADER = 0x01;
  public static final byte FAST_AUTH_SUCCESS = 0x03;
  public static final byte PERFORM_FULL_AUTHENTICATION = 0x04;

  public static AuthMoreData decode(ByteBuf in) {
    Wire.need(in, 1);
    if (in.readUnsignedByte() != HEADER) {
      throw new ProtocolViolation("not an auth more data packet");
    }
    return new AuthMoreData(Wire.readRestBytes(in));
  }

  public ByteBuf encode() {
    return Unpooled.buffer(1 + data.length).writeByte(HEADER).writeBytes(data);
  }

  @Override
  public byte[] data() {
    return data.clone();
  }
}
