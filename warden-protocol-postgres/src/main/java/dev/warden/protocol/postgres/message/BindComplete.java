package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The BindComplete message: a Bind succeeded. */
public record BindComplete() implements BackendMessage {
  public static final char TYPE = '2';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
