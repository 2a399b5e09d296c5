package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The ParameterStatus message: the current value of a reported run-time parameter. */
public record ParameterStatus(String name, String value) implements BackendMessage {
  public static final char TYPE = 'S';

  static ParameterStatus decodeBody(ByteBuf body) {
    String name = Wire.readCString(body);
    return new ParameterStatus(name, Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, name);
    Wire.writeCString(out, value);
    Wire.end(out, lengthIndex);
  }
}
