package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The Query message: a simple-protocol query string, possibly several statements. */
public record Query(String sql) implements FrontendMessage {
  public static final char TYPE = 'Q';

  static Query decodeBody(ByteBuf body) {
    return new Query(Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, sql);
    Wire.end(out, lengthIndex);
  }
}
