package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The EmptyQueryResponse message: the query string was empty. */
public record EmptyQueryResponse() implements BackendMessage {
  public static final char TYPE = 'I';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
