package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The ParseComplete message: a Parse succeeded. */
public record ParseComplete() implements BackendMessage {
  public static final char TYPE = '1';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
