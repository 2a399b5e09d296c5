package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The CopyFail message: the client aborts a COPY FROM STDIN with a reason. */
public record CopyFail(String reason) implements FrontendMessage {
  public static final char TYPE = 'f';

  static CopyFail decodeBody(ByteBuf body) {
    return new CopyFail(Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, reason);
    Wire.end(out, lengthIndex);
  }
}
