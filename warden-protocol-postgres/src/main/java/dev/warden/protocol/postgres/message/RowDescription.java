package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** The RowDescription message: the name, source column, type and format of each result column. */
public record RowDescription(List<Field> fields) implements BackendMessage {
  public static final char TYPE = 'T';

  /** One column: {@code tableOid}/{@code columnNumber} are 0 when it is not a table column. */
  public record Field(
      String name,
      int tableOid,
      short columnNumber,
      int typeOid,
      short typeSize,
      int typeModifier,
      short format) {}

  public RowDescription {
    fields = List.copyOf(fields);
  }

  static RowDescription decodeBody(ByteBuf body) {
    int count = Wire.readCount(body, 19, "RowDescription");
    List<Field> fields = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String name = Wire.readCString(body);
      Wire.requireReadable(body, 18, "RowDescription field");
      fields.add(
          new Field(
              name,
              body.readInt(),
              body.readShort(),
              body.readInt(),
              body.readShort(),
              body.readInt(),
              body.readShort()));
    }
    return new RowDescription(fields);
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeShort(fields.size());
    for (Field f : fields) {
      Wire.writeCString(out, f.name());
      out.writeInt(f.tableOid())
          .writeShort(f.columnNumber())
          .writeInt(f.typeOid())
          .writeShort(f.typeSize())
          .writeInt(f.typeModifier())
          .writeShort(f.format());
    }
    Wire.end(out, lengthIndex);
  }
}
