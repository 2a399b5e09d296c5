package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The Describe message: asks for the description of a prepared statement or a portal. */
public record Describe(Target target, String name) implements FrontendMessage {
  public static final char TYPE = 'D';

  static Describe decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 1, "Describe");
    Target target = Target.of(body.readByte());
    return new Describe(target, Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeByte(target.code());
    Wire.writeCString(out, name);
    Wire.end(out, lengthIndex);
  }
}
