package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The Sync message: ends an extended-query batch; the server answers ReadyForQuery. */
public record Sync() implements FrontendMessage {
  public static final char TYPE = 'S';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
