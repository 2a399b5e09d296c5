package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One column of a result set or of a prepared statement's parameters
 * (Protocol::ColumnDefinition41). {@code schema}, {@code orgTable} and {@code orgName} say which
 * base column a result column passes on (empty for a computed one), which is what masking checks.
 */
public record ColumnDefinition41(
    String catalog,
    String schema,
    String table,
    String orgTable,
    String name,
    String orgName,
    int characterSet,
    long columnLength,
    int type,
    int flags,
    int decimals) {

  /** The binary character set: the column holds bytes, not text. */
  public static final int BINARY_CHARSET = 63;

  public static ColumnDefinition41 decode(ByteBuf in) {
    String catalog = Wire.readLengthEncodedString(in);
    String schema = Wire.readLengthEncodedString(in);
    String table = Wire.readLengthEncodedString(in);
    String orgTable = Wire.readLengthEncodedString(in);
    String name = Wire.readLengthEncodedString(in);
    String orgName = Wire.readLengthEncodedString(in);
    long fixed = Wire.readLengthEncoded(in);
    if (fixed < 12) {
      throw new ProtocolViolation("column definition's fixed fields are " + fixed + " bytes");
    }
    Wire.need(in, 10);
    int characterSet = in.readUnsignedShortLE();
    long length = in.readUnsignedIntLE();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedShortLE();
    int decimals = in.readUnsignedByte();
    in.skipBytes(in.readableBytes());
    return new ColumnDefinition41(
        nz(catalog),
        nz(schema),
        nz(table),
        nz(orgTable),
        nz(name),
        nz(orgName),
        characterSet,
        length,
        type,
        flags,
        decimals);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  public ByteBuf encode() {
    ByteBuf out = Unpooled.buffer(64);
    Wire.writeLengthEncoded(out, catalog);
    Wire.writeLengthEncoded(out, schema);
    Wire.writeLengthEncoded(out, table);
    Wire.writeLengthEncoded(out, orgTable);
    Wire.writeLengthEncoded(out, name);
    Wire.writeLengthEncoded(out, orgName);
    Wire.writeLengthEncoded(out, 12);
    out.writeShortLE(characterSet).writeIntLE((int) columnLength).writeByte(type);
    out.writeShortLE(flags).writeByte(decimals).writeZero(2);
    return out;
  }

  /** Whether its values are text (a string type in a character set other than binary). */
  public boolean textual() {
    return ColumnType.string(type) && characterSet != BINARY_CHARSET;
  }
}
