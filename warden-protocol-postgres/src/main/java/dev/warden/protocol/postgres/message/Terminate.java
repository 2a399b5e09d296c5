package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The Terminate message: the client closes the session. */
public record Terminate() implements FrontendMessage {
  public static final char TYPE = 'X';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
