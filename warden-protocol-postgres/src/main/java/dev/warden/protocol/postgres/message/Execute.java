package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The Execute message: runs a portal, returning at most {@code maxRows} rows (0 = all). */
public record Execute(String portal, int maxRows) implements FrontendMessage {
  public static final char TYPE = 'E';

  static Execute decodeBody(ByteBuf body) {
    String portal = Wire.readCString(body);
    Wire.requireReadable(body, 4, "Execute");
    return new Execute(portal, body.readInt());
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, portal);
    out.writeInt(maxRows);
    Wire.end(out, lengthIndex);
  }
}
