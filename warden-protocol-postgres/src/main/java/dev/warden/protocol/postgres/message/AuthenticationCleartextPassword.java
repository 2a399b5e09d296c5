package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The AuthenticationCleartextPassword message: the server asks for the password as is. */
public record AuthenticationCleartextPassword() implements BackendMessage {
  @Override
  public void encode(ByteBuf out) {
    out.writeByte(Authentication.TYPE).writeInt(8).writeInt(Authentication.CLEARTEXT_PASSWORD);
  }
}
