package dev.warden.frontend.mysql;

import dev.warden.core.mask.Classifiers;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.mask.ResultMasks;
import dev.warden.core.policy.Masking;
import dev.warden.protocol.mysql.message.BinaryValues;
import dev.warden.protocol.mysql.message.ColumnDefinition41;
import dev.warden.protocol.mysql.message.ColumnType;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.ProtocolViolation;
import dev.warden.protocol.mysql.message.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The kernel's masks of one result carried out on its rows, in the text protocol (COM_QUERY) and
 * the binary one (prepared statements). A masked value is always valid for its column: a text
 * column gets the mask as text, any other type NULL. Columns without a rule are scanned by the
 * content classifiers. A row with nothing to change goes on as the bytes the server sent.
 */
final class RowMasks {
  private final List<ColumnDefinition41> columns;
  private final List<Masking.ColumnMask> masks;
  private final Classifiers classifiers;

  RowMasks(List<ColumnDefinition41> columns, ResultMasks masks) {
    this.columns = List.copyOf(columns);
    this.masks = masks.masks();
    this.classifiers = masks.classifiers();
  }

  /** A cell's value after masking: the text, or null for NULL. */
  private String cell(int i, String text) {
    if (text == null) {
      return null;
    }
    boolean textual = columns.get(i).textual();
    Masking.ColumnMask mask = masks.get(i);
    if (mask != null) {
      MaskStrategy strategy = mask.strategy();
      String masked = strategy.mask(text);
      return masked == null || (strategy.producesText() && !textual) ? null : masked;
    }
    if (classifiers != null) {
      String scrubbed = classifiers.scrub(text);
      if (!scrubbed.equals(text)) {
        return textual ? scrubbed : null;
      }
    }
    return text;
  }

  /**
   * A text row with its masked cells rewritten; {@code seen} (may be null) gets the cells as the
   * client sees them (for the audit). A cell the classifiers cannot match (too few digits, no '@')
   * is never decoded; unchanged cells are copied as they came.
   */
  Packet text(Packet row, List<String> seen) {
    ByteBuf in = row.payload();
    int n = columns.size();
    int[] start = new int[n];
    int[] length = new int[n];
    String[] replaced = null;
    int at = in.readerIndex();
    int end = in.writerIndex();
    for (int i = 0; i < n; i++) {
      if (at >= end) {
        throw new ProtocolViolation("a text row has fewer values than its result has columns");
      }
      int first = in.getUnsignedByte(at);
      if (first == Wire.NULL_VALUE) {
        start[i] = at + 1;
        length[i] = -1;
        at++;
        if (seen != null) {
          seen.add(null);
        }
        continue;
      }
      ByteBuf view = in.duplicate().readerIndex(at);
      long size = Wire.readLengthEncoded(view);
      if (size > view.readableBytes()) {
        throw new ProtocolViolation("a value runs past the end of its row");
      }
      start[i] = view.readerIndex();
      length[i] = (int) size;
      at = start[i] + length[i];
      String value = cellValue(i, in, start[i], length[i]);
      if (value != null) {
        if (replaced == null) {
          replaced = new String[n];
        }
        replaced[i] = value;
      }
      if (seen != null) {
        seen.add(
            replaced != null && replaced[i] != null
                ? (replaced[i] == NULL_CELL ? null : replaced[i])
                : in.toString(start[i], length[i], StandardCharsets.UTF_8));
      }
    }
    if (at != end) {
      throw new ProtocolViolation("a text row has more values than its result has columns");
    }
    if (replaced == null) {
      return row;
    }
    ByteBuf out = Unpooled.buffer(row.length() + 16);
    for (int i = 0; i < n; i++) {
      if (length[i] < 0 || replaced[i] == NULL_CELL) {
        out.writeByte(Wire.NULL_VALUE);
      } else if (replaced[i] != null) {
        Wire.writeLengthEncoded(out, replaced[i]);
      } else {
        Wire.writeLengthEncoded(out, length[i]);
        out.writeBytes(in, start[i], length[i]);
      }
    }
    return new Packet(row.sequenceId(), out);
  }

  /** Stands for "this cell becomes NULL" among replaced cells. */
  private static final String NULL_CELL = new String("NULL");

  /**
   * What a non-NULL text cell becomes: null when it goes on unchanged, {@link #NULL_CELL} when it
   * becomes NULL, else its new text.
   */
  private String cellValue(int i, ByteBuf in, int start, int length) {
    Masking.ColumnMask mask = masks.get(i);
    if (mask == null) {
      if (classifiers == null || !mayMatch(in, start, length)) {
        return null;
      }
      String text = in.toString(start, length, StandardCharsets.UTF_8);
      String scrubbed = classifiers.scrub(text);
      if (scrubbed.equals(text)) {
        return null;
      }
      return columns.get(i).textual() ? scrubbed : NULL_CELL;
    }
    String masked = mask.strategy().mask(in.toString(start, length, StandardCharsets.UTF_8));
    return masked == null || (mask.strategy().producesText() && !columns.get(i).textual())
        ? NULL_CELL
        : masked;
  }

  /** Whether the classifiers could find anything in these bytes (counted, not decoded). */
  private boolean mayMatch(ByteBuf in, int start, int length) {
    counter.digits = 0;
    counter.at = false;
    counter.nonAscii = false;
    in.forEachByte(start, length, counter);
    return classifiers.mayMatch(counter.digits, counter.at, counter.nonAscii, length);
  }

  /** Counts what the classifiers' quick check needs, in one pass over a cell's bytes. */
  private static final class Counter implements io.netty.util.ByteProcessor {
    int digits;
    boolean at;
    boolean nonAscii;

    @Override
    public boolean process(byte b) {
      if (b >= '0' && b <= '9') {
        digits++;
      } else if (b == '@') {
        at = true;
      } else if (b < 0) {
        nonAscii = true;
      }
      return true;
    }
  }

  private final Counter counter = new Counter();

  /** A binary row (0x00, NULL bitmap with offset 2, values by type), masked the same way. */
  Packet binary(Packet row, List<String> seen) {
    return binary(columns, row, seen, this);
  }

  /**
   * Reads a binary row's cells as text; with {@code masks}, rewrites the masked ones. {@code seen}
   * (may be null) gets the cells as the client sees them.
   */
  static Packet binary(
      List<ColumnDefinition41> columns, Packet row, List<String> seen, RowMasks masks) {
    ByteBuf in = row.payload().duplicate();
    int n = columns.size();
    int bitmapBytes = (n + 7 + 2) / 8;
    Wire.need(in, 1 + bitmapBytes);
    if (in.readUnsignedByte() != 0x00) {
      throw new ProtocolViolation("a binary row does not start with 0x00");
    }
    byte[] bitmap = new byte[bitmapBytes];
    in.readBytes(bitmap);
    int[] start = new int[n];
    int[] end = new int[n];
    String[] cells = new String[n];
    boolean changed = false;
    for (int i = 0; i < n; i++) {
      int bit = i + 2;
      if ((bitmap[bit / 8] & (1 << (bit % 8))) != 0) {
        start[i] = -1;
        continue;
      }
      int type = columns.get(i).type();
      int size = ColumnType.binarySize(type);
      int valueStart;
      if (size == -1) {
        long length = Wire.readLengthEncoded(in);
        if (length < 0 || length > in.readableBytes()) {
          throw new ProtocolViolation("a binary value runs past the end of its row");
        }
        valueStart = in.readerIndex();
        in.skipBytes((int) length);
      } else {
        if (size == -2) {
          Wire.need(in, 1);
          size = in.readUnsignedByte();
        }
        Wire.need(in, size);
        valueStart = in.readerIndex();
        in.skipBytes(size);
      }
      start[i] = valueStart;
      end[i] = in.readerIndex();
      byte[] bytes = new byte[end[i] - valueStart];
      in.getBytes(valueStart, bytes);
      int flagged = type | ((columns.get(i).flags() & 0x20) != 0 ? 0x8000 : 0);
      String text =
          ColumnType.string(type)
              ? new String(bytes, StandardCharsets.UTF_8)
              : BinaryValues.text(flagged, bytes);
      String masked = masks == null ? text : masks.cell(i, text);
      if (masked != text && (masked == null || !masked.equals(text))) {
        changed = true;
      }
      cells[i] = masked;
    }
    if (seen != null) {
      seen.addAll(java.util.Arrays.asList(cells));
    }
    if (!changed) {
      return row;
    }
    ByteBuf out = Unpooled.buffer(row.length() + 16);
    out.writeByte(0x00);
    byte[] nulls = bitmap.clone();
    ByteBuf values = Unpooled.buffer(row.length());
    ByteBuf original = row.payload();
    for (int i = 0; i < n; i++) {
      if (start[i] < 0) {
        continue;
      }
      String cell = cells[i];
      int bit = i + 2;
      if (cell == null) {
        nulls[bit / 8] |= (byte) (1 << (bit % 8));
        continue;
      }
      boolean same;
      byte[] bytes = new byte[end[i] - start[i]];
      original.getBytes(start[i], bytes);
      if (ColumnType.string(columns.get(i).type())) {
        same = cell.equals(new String(bytes, StandardCharsets.UTF_8));
        if (same) {
          Wire.writeLengthEncoded(values, bytes);
        } else {
          Wire.writeLengthEncoded(values, cell);
        }
      } else {
        // Not a string type: only unchanged values keep their place (a mask made it NULL).
        if (size(columns.get(i).type()) == -2) {
          values.writeByte(bytes.length);
        }
        values.writeBytes(bytes);
      }
    }
    out.writeBytes(nulls);
    out.writeBytes(values);
    values.release();
    // The row itself is the caller's (a view into the input): not released here.
    return new Packet(row.sequenceId(), out);
  }

  private static int size(int type) {
    return ColumnType.binarySize(type);
  }
}
