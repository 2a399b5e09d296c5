package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The Close message: closes a prepared statement or a portal. */
public record Close(Target target, String name) implements FrontendMessage {
  public static final char TYPE = 'C';

  static Close decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 1, "Close");
    Target target = Target.of(body.readByte());
    return new Close(target, Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeByte(target.code());
    Wire.writeCString(out, name);
    Wire.end(out, lengthIndex);
  }
}
