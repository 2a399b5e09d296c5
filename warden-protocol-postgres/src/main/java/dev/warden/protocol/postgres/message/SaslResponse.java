package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The SASLResponse message: a further client message of a SASL exchange (client-final). */
public record SaslResponse(String data) implements FrontendMessage {
  public static final char TYPE = 'p';

  public static SaslResponse decodeBody(ByteBuf body) {
    return new SaslResponse(
        body.readCharSequence(body.readableBytes(), StandardCharsets.UTF_8).toString());
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeCharSequence(data, StandardCharsets.UTF_8);
    Wire.end(out, lengthIndex);
  }

  @Override
  public String toString() {
    return "SaslResponse[data=<redacted>]";
  }
}
