package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The SASLInitialResponse message: the chosen mechanism and the client-first message. */
public record SaslInitialResponse(String mechanism, String data) implements FrontendMessage {
  public static final char TYPE = 'p';

  /** Decodes a 'p' body as a SASLInitialResponse; only the authentication phase knows it is one. */
  public static SaslInitialResponse decodeBody(ByteBuf body) {
    String mechanism = Wire.readCString(body);
    ByteBuf value = Wire.readValue(body, "SASLInitialResponse");
    return new SaslInitialResponse(
        mechanism, value == null ? null : value.toString(StandardCharsets.UTF_8));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, mechanism);
    if (data == null) {
      out.writeInt(-1);
    } else {
      byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
      out.writeInt(bytes.length).writeBytes(bytes);
    }
    Wire.end(out, lengthIndex);
  }

  @Override
  public String toString() {
    return "SaslInitialResponse[mechanism=" + mechanism + ", data=<redacted>]";
  }
}
