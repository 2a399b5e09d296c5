package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The StartupMessage: protocol version and connection parameters (user, database, …). */
public record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters)
    implements StartupPacket {

  public StartupMessage {
    parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  static StartupMessage decodeBody(int version, ByteBuf body) {
    Map<String, String> parameters = new LinkedHashMap<>();
    while (true) {
      String name = Wire.readCString(body);
      if (name.isEmpty()) {
        break;
      }
      if (parameters.put(name, Wire.readCString(body)) != null) {
        throw new ProtocolViolation("StartupMessage repeats parameter " + name);
      }
    }
    return new StartupMessage(version >>> 16, version & 0xFFFF, parameters);
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.beginUntyped(out);
    out.writeInt((majorVersion << 16) | minorVersion);
    parameters.forEach(
        (name, value) -> {
          Wire.writeCString(out, name);
          Wire.writeCString(out, value);
        });
    out.writeByte(0);
    Wire.end(out, lengthIndex);
  }
}
