package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** The AuthenticationSASL message: the server offers SASL mechanisms (e.g. SCRAM-SHA-256). */
public record AuthenticationSasl(List<String> mechanisms) implements BackendMessage {
  public AuthenticationSasl {
    mechanisms = List.copyOf(mechanisms);
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, Authentication.TYPE);
    out.writeInt(Authentication.SASL);
    mechanisms.forEach(m -> Wire.writeCString(out, m));
    out.writeByte(0);
    Wire.end(out, lengthIndex);
  }
}
