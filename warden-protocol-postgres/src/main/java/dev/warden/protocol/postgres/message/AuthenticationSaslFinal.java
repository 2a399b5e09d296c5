package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The AuthenticationSASLFinal message: the server-final message, with the server's signature. */
public record AuthenticationSaslFinal(String data) implements BackendMessage {
  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, Authentication.TYPE);
    out.writeInt(Authentication.SASL_FINAL);
    out.writeCharSequence(data, StandardCharsets.UTF_8);
    Wire.end(out, lengthIndex);
  }
}
