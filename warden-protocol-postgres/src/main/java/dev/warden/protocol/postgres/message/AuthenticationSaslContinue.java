package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The AuthenticationSASLContinue message: the server-first message of a SASL exchange. */
public record AuthenticationSaslContinue(String data) implements BackendMessage {
  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, Authentication.TYPE);
    out.writeInt(Authentication.SASL_CONTINUE);
    out.writeCharSequence(data, StandardCharsets.UTF_8);
    Wire.end(out, lengthIndex);
  }
}
