package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The CopyData message: a chunk of a COPY data stream, in either direction (a slice, no copy). */
public record CopyData(ByteBuf data) implements FrontendMessage, BackendMessage {
  public static final char TYPE = 'd';

  static CopyData decodeBody(ByteBuf body) {
    return new CopyData(body.readSlice(body.readableBytes()));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeBytes(data, data.readerIndex(), data.readableBytes());
    Wire.end(out, lengthIndex);
  }
}
