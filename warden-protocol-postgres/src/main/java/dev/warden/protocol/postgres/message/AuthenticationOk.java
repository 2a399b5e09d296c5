package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The AuthenticationOk message: authentication succeeded. */
public record AuthenticationOk() implements BackendMessage {
  @Override
  public void encode(ByteBuf out) {
    out.writeByte(Authentication.TYPE).writeInt(8).writeInt(Authentication.OK);
  }
}
