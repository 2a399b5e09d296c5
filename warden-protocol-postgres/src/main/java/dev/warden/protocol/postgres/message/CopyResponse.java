package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** The shared body of CopyInResponse, CopyOutResponse and CopyBothResponse. */
final class CopyResponse {
  private CopyResponse() {}

  static int readOverallFormat(ByteBuf body, String what) {
    Wire.requireReadable(body, 1, what);
    return body.readByte();
  }

  static List<Integer> readColumnFormats(ByteBuf body, String what) {
    int count = Wire.readCount(body, 2, what);
    List<Integer> formats = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      formats.add((int) body.readShort());
    }
    return formats;
  }

  static void encode(ByteBuf out, char type, int overallFormat, List<Integer> columnFormats) {
    int lengthIndex = Wire.begin(out, type);
    out.writeByte(overallFormat);
    out.writeShort(columnFormats.size());
    columnFormats.forEach(out::writeShort);
    Wire.end(out, lengthIndex);
  }
}
