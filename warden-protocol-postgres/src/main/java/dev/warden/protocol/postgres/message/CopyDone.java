package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The CopyDone message: the end of a COPY data stream, in either direction. */
public record CopyDone() implements FrontendMessage, BackendMessage {
  public static final char TYPE = 'c';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
