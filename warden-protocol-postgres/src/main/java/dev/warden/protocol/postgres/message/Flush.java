package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The Flush message: asks the server to send what it has produced so far. */
public record Flush() implements FrontendMessage {
  public static final char TYPE = 'H';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
