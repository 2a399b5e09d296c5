package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The NoData message: the described statement or portal returns no rows. */
public record NoData() implements BackendMessage {
  public static final char TYPE = 'n';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
