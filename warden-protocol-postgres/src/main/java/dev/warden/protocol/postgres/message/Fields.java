package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The field list shared by ErrorResponse and NoticeResponse: code byte → value. */
final class Fields {
  private Fields() {}

  static Map<Character, String> decode(ByteBuf body) {
    Map<Character, String> fields = new LinkedHashMap<>();
    while (true) {
      Wire.requireReadable(body, 1, "error fields");
      byte code = body.readByte();
      if (code == 0) {
        return fields;
      }
      fields.put((char) code, Wire.readCString(body));
    }
  }

  static Map<Character, String> copy(Map<Character, String> fields) {
    return Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  static void encode(ByteBuf out, char type, Map<Character, String> fields) {
    int lengthIndex = Wire.begin(out, type);
    fields.forEach(
        (code, value) -> {
          out.writeByte(code);
          Wire.writeCString(out, value);
        });
    out.writeByte(0);
    Wire.end(out, lengthIndex);
  }
}
