package dev.warden.protocol.mysql.message;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Values of the binary protocol (prepared statements' parameters and rows) as the text the {@code
 * mysql} client would show: what the audit trail records and an approver reads.
 */
public final class BinaryValues {
  private BinaryValues() {}

  /** {@code bytes} of a value of {@code type} (with {@link ComStmtExecute#UNSIGNED}) as text. */
  public static String text(int type, byte[] bytes) {
    boolean unsigned = (type & ComStmtExecute.UNSIGNED) != 0;
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    return switch (type & 0xFF) {
      case ColumnType.TINY ->
          bytes.length < 1 ? "" : unsigned ? "" + (b.get() & 0xFF) : "" + b.get();
      case ColumnType.SHORT, ColumnType.YEAR ->
          bytes.length < 2 ? "" : unsigned ? "" + (b.getShort() & 0xFFFF) : "" + b.getShort();
      case ColumnType.LONG, ColumnType.INT24 ->
          bytes.length < 4 ? "" : unsigned ? "" + (b.getInt() & 0xFFFFFFFFL) : "" + b.getInt();
      case ColumnType.LONGLONG ->
          bytes.length < 8 ? "" : unsigned ? Long.toUnsignedString(b.getLong()) : "" + b.getLong();
      case ColumnType.FLOAT -> bytes.length < 4 ? "" : "" + b.getFloat();
      case ColumnType.DOUBLE -> bytes.length < 8 ? "" : "" + b.getDouble();
      case ColumnType.DATE,
          ColumnType.DATETIME,
          ColumnType.TIMESTAMP,
          ColumnType.NEWDATE,
          ColumnType.DATETIME2,
          ColumnType.TIMESTAMP2 ->
          dateTime(b, bytes.length);
      case ColumnType.TIME, ColumnType.TIME2 -> time(b, bytes.length);
      case ColumnType.NULL -> null;
      default -> new String(bytes, StandardCharsets.UTF_8);
    };
  }

  private static String dateTime(ByteBuffer b, int length) {
    if (length < 4) {
      return "0000-00-00 00:00:00";
    }
    String date =
        String.format("%04d-%02d-%02d", b.getShort() & 0xFFFF, b.get() & 0xFF, b.get() & 0xFF);
    if (length < 7) {
      return date;
    }
    String time = String.format(" %02d:%02d:%02d", b.get() & 0xFF, b.get() & 0xFF, b.get() & 0xFF);
    if (length < 11) {
      return date + time;
    }
    return date + time + String.format(".%06d", b.getInt());
  }

  private static String time(ByteBuffer b, int length) {
    if (length < 8) {
      return "00:00:00";
    }
    boolean negative = b.get() != 0;
    long days = b.getInt() & 0xFFFFFFFFL;
    int hours = b.get() & 0xFF;
    int minutes = b.get() & 0xFF;
    int seconds = b.get() & 0xFF;
    String text =
        String.format("%s%02d:%02d:%02d", negative ? "-" : "", days * 24 + hours, minutes, seconds);
    return length >= 12 ? text + String.format(".%06d", b.getInt()) : text;
  }
}
