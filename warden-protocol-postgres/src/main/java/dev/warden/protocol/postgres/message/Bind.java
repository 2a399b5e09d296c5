package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The Bind message: binds parameters to a prepared statement into a portal. Parameter values are
 * slices of the received buffer (null for SQL NULL), valid while that buffer is.
 */
public record Bind(
    String portal,
    String statement,
    List<Integer> parameterFormats,
    List<ByteBuf> parameters,
    List<Integer> resultFormats)
    implements FrontendMessage {
  public static final char TYPE = 'B';

  public Bind {
    parameterFormats = List.copyOf(parameterFormats);
    parameters = Collections.unmodifiableList(Arrays.asList(parameters.toArray(ByteBuf[]::new)));
    resultFormats = List.copyOf(resultFormats);
  }

  static Bind decodeBody(ByteBuf body) {
    String portal = Wire.readCString(body);
    String statement = Wire.readCString(body);
    List<Integer> parameterFormats = readFormats(body, "Bind parameter formats");
    int count = Wire.readCount(body, 4, "Bind parameters");
    List<ByteBuf> parameters = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      parameters.add(Wire.readValue(body, "Bind parameter"));
    }
    List<Integer> resultFormats = readFormats(body, "Bind result formats");
    return new Bind(portal, statement, parameterFormats, parameters, resultFormats);
  }

  private static List<Integer> readFormats(ByteBuf body, String what) {
    int count = Wire.readCount(body, 2, what);
    List<Integer> formats = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int format = body.readShort();
      if (format != 0 && format != 1) {
        throw new ProtocolViolation(what + " has unknown format code " + format);
      }
      formats.add(format);
    }
    return formats;
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, portal);
    Wire.writeCString(out, statement);
    out.writeShort(parameterFormats.size());
    parameterFormats.forEach(out::writeShort);
    out.writeShort(parameters.size());
    parameters.forEach(value -> Wire.writeValue(out, value));
    out.writeShort(resultFormats.size());
    resultFormats.forEach(out::writeShort);
    Wire.end(out, lengthIndex);
  }
}
