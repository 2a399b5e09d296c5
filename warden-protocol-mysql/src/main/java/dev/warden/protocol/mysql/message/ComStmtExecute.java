package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Runs a prepared statement (COM_STMT_EXECUTE) with its parameters in the binary protocol: a NULL
 * bitmap, the types when the client (re)binds them, then each non-NULL value. Decoding needs what
 * the statement's prepare said (how many parameters) and what the session remembers (the types last
 * bound, which parameters came as long data).
 *
 * @param types each parameter's type, with bit 15 set when unsigned (as the client sent it)
 * @param values each parameter's bytes as encoded for its type; null for NULL; long data is not
 *     repeated here (its entry is empty)
 */
public record ComStmtExecute(
    long statementId, int flags, boolean newParamsBound, int[] types, List<byte[]> values) {
  public static final int UNSIGNED = 0x8000;

  public ComStmtExecute {
    values = Collections.unmodifiableList(new ArrayList<>(values));
  }

  /**
   * @param parameterCount how many parameters the statement has
   * @param boundTypes the types bound by an earlier execute (used when this one binds none), or
   *     null
   * @param longData which parameters were sent as long data since the last execute (or null)
   */
  public static ComStmtExecute decode(
      ByteBuf in, int parameterCount, int[] boundTypes, boolean[] longData) {
    Wire.need(in, 10);
    if (in.readUnsignedByte() != Command.COM_STMT_EXECUTE) {
      throw new ProtocolViolation("not a COM_STMT_EXECUTE");
    }
    long id = in.readUnsignedIntLE();
    int flags = in.readUnsignedByte();
    in.skipBytes(4); // iteration count, always 1
    if (parameterCount == 0) {
      return new ComStmtExecute(id, flags, false, new int[0], List.of());
    }
    int bitmapBytes = (parameterCount + 7) / 8;
    Wire.need(in, bitmapBytes + 1);
    byte[] nulls = new byte[bitmapBytes];
    in.readBytes(nulls);
    boolean bound = in.readUnsignedByte() == 1;
    int[] types;
    if (bound) {
      Wire.need(in, parameterCount * 2);
      types = new int[parameterCount];
      for (int i = 0; i < parameterCount; i++) {
        types[i] = in.readUnsignedShortLE();
      }
    } else if (boundTypes != null && boundTypes.length == parameterCount) {
      types = boundTypes;
    } else {
      throw new ProtocolViolation("an execute binds no parameter types and none were bound before");
    }
    List<byte[]> values = new ArrayList<>(parameterCount);
    for (int i = 0; i < parameterCount; i++) {
      if ((nulls[i / 8] & (1 << (i % 8))) != 0) {
        values.add(null);
        continue;
      }
      if (longData != null && i < longData.length && longData[i]) {
        values.add(new byte[0]);
        continue;
      }
      values.add(readValue(in, types[i] & 0xFF));
    }
    return new ComStmtExecute(id, flags, bound, types, values);
  }

  private static byte[] readValue(ByteBuf in, int type) {
    int size = ColumnType.binarySize(type);
    if (size == -1) {
      byte[] bytes = Wire.readLengthEncodedBytes(in);
      if (bytes == null) {
        throw new ProtocolViolation("a parameter's length is the NULL marker");
      }
      return bytes;
    }
    if (size == -2) {
      Wire.need(in, 1);
      size = in.readUnsignedByte();
    }
    Wire.need(in, size);
    byte[] bytes = new byte[size];
    in.readBytes(bytes);
    return bytes;
  }
}
