package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The CloseComplete message: a Close succeeded. */
public record CloseComplete() implements BackendMessage {
  public static final char TYPE = '3';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
