package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The PasswordMessage: a cleartext password or an MD5 hash. {@code toString} never shows it. */
public record PasswordMessage(String password) implements FrontendMessage {
  public static final char TYPE = 'p';

  static PasswordMessage decodeBody(ByteBuf body) {
    return new PasswordMessage(Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, password);
    Wire.end(out, lengthIndex);
  }

  @Override
  public String toString() {
    return "PasswordMessage[password=<redacted>]";
  }
}
