package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The DataRow message: one result row. Values are slices of the received buffer (null for SQL
 * NULL). The relay forwards rows without decoding them; this record is for code that reads values.
 */
public record DataRow(List<ByteBuf> values) implements BackendMessage {
  public static final char TYPE = 'D';

  public DataRow {
    values = Collections.unmodifiableList(Arrays.asList(values.toArray(ByteBuf[]::new)));
  }

  static DataRow decodeBody(ByteBuf body) {
    int count = Wire.readCount(body, 4, "DataRow");
    List<ByteBuf> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      values.add(Wire.readValue(body, "DataRow column"));
    }
    return new DataRow(values);
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeShort(values.size());
    values.forEach(value -> Wire.writeValue(out, value));
    Wire.end(out, lengthIndex);
  }
}
