package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The AuthenticationMD5Password message: the server asks for an MD5 hash salted with 4 bytes. */
public record AuthenticationMd5Password(int salt) implements BackendMessage {
  @Override
  public void encode(ByteBuf out) {
    out.writeByte(Authentication.TYPE)
        .writeInt(12)
        .writeInt(Authentication.MD5_PASSWORD)
        .writeInt(salt);
  }
}
