package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** The Parse message: prepares a statement, named or unnamed ("") , with parameter type OIDs. */
public record Parse(String statement, String sql, List<Integer> parameterTypes)
    implements FrontendMessage {
  public static final char TYPE = 'P';

  public Parse {
    parameterTypes = List.copyOf(parameterTypes);
  }

  static Parse decodeBody(ByteBuf body) {
    String statement = Wire.readCString(body);
    String sql = Wire.readCString(body);
    int count = Wire.readCount(body, 4, "Parse parameter types");
    List<Integer> types = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      types.add(body.readInt());
    }
    return new Parse(statement, sql, types);
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, statement);
    Wire.writeCString(out, sql);
    out.writeShort(parameterTypes.size());
    parameterTypes.forEach(out::writeInt);
    Wire.end(out, lengthIndex);
  }
}
