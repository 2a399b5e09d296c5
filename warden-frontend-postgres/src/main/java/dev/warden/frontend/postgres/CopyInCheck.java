package dev.warden.frontend.postgres;

import dev.warden.core.mask.MaskGuard;
import dev.warden.core.sql.CopyFormat;
import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the rows a client sends into a COPY … FROM STDIN, as the server will read them, and finds a
 * value that looks like a mask (see {@link MaskGuard#looksMasked}) in a masked column: storing it
 * would destroy the real value, as an INSERT of it would. The client's CopyData messages may cut
 * rows anywhere; a row is checked once it is whole, and the last one at CopyDone.
 *
 * <ul>
 *   <li>text: rows end at a newline; fields split at the delimiter except where a backslash escapes
 *       it; escapes decoded as the server decodes them;
 *   <li>CSV: a quoted field may hold delimiters and newlines; the quote doubled (or escaped) is a
 *       quote;
 *   <li>binary: the signature and header, then per row a field count and each field's length.
 * </ul>
 */
final class CopyInCheck {
  private static final int SIGNATURE = 11;

  private final CopyFormat format;
  private final boolean[] masked;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private boolean firstRow = true;
  private boolean ended;
  private boolean headerSkipped;

  /**
   * A check of a COPY FROM of the given format, whose field {@code i} goes into a masked column
   * when {@code masked[i]}.
   */
  CopyInCheck(CopyFormat format, boolean[] masked) {
    this.format = format;
    this.masked = masked.clone();
  }

  /**
   * Takes the body of one CopyData message; the number (from 1) of a masked field that holds a
   * mask-like value in a row now complete, or 0.
   */
  int feed(ByteBuf data) {
    if (ended) {
      return 0;
    }
    byte[] bytes = new byte[data.readableBytes()];
    data.getBytes(data.readerIndex(), bytes);
    pending.writeBytes(bytes);
    return format.binary() ? binaryRows(false) : lines(false);
  }

  /** The data is complete (CopyDone): checks the last row, if it had no line end. */
  int finish() {
    if (ended) {
      return 0;
    }
    return format.binary() ? binaryRows(true) : lines(true);
  }

  // ---- text and CSV ----

  private int lines(boolean last) {
    byte[] bytes = pending.toByteArray();
    int start = 0;
    boolean quoted = false;
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (format.csv()) {
        if (quoted
            && b == format.escape()
            && format.escape() != format.quote()
            && i + 1 < bytes.length) {
          i++; // an escaped character inside quotes
          continue;
        }
        if (b == format.quote()) {
          quoted = !quoted; // a doubled quote toggles twice
          continue;
        }
      } else if (b == '\\' && i + 1 < bytes.length) {
        i++; // an escaped character (an escaped newline is data)
        continue;
      }
      if (b == '\n' && !quoted) {
        int found = line(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
        if (found != 0 || ended) {
          pending.reset();
          return found;
        }
      }
    }
    pending.reset();
    if (last) {
      return start < bytes.length
          ? line(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8))
          : 0;
    }
    pending.write(bytes, start, bytes.length - start);
    return 0;
  }

  private int line(String raw) {
    String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
    if (line.equals("\\.")) {
      ended = true;
      return 0;
    }
    if (format.header() && !headerSkipped) {
      headerSkipped = true;
      return 0;
    }
    List<String> fields = format.csv() ? csvFields(line) : textFields(line);
    for (int i = 0; i < fields.size() && i < masked.length; i++) {
      String value = fields.get(i);
      if (masked[i] && value != null && MaskGuard.looksMasked(value)) {
        return i + 1;
      }
    }
    return 0;
  }

  /** Text fields, escapes decoded; the NULL marker as null. */
  private List<String> textFields(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder raw = new StringBuilder();
    char delimiter = format.delimiter();
    for (int i = 0; i <= line.length(); i++) {
      if (i == line.length() || line.charAt(i) == delimiter) {
        String field = raw.toString();
        fields.add(field.equals(format.nullString()) ? null : CopyText.unescape(field));
        raw.setLength(0);
        continue;
      }
      char c = line.charAt(i);
      raw.append(c);
      if (c == '\\' && i + 1 < line.length()) {
        raw.append(line.charAt(++i));
      }
    }
    return fields;
  }

  /** CSV fields, quotes removed; an unquoted NULL marker as null. */
  private List<String> csvFields(String line) {
    List<String> fields = new ArrayList<>();
    char delimiter = format.delimiter();
    char quote = format.quote();
    char escape = format.escape();
    StringBuilder value = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i <= line.length(); i++) {
      if (i == line.length() || (!quoted && line.charAt(i) == delimiter)) {
        String field = value.toString();
        fields.add(!wasQuoted && field.equals(format.nullString()) ? null : field);
        value.setLength(0);
        wasQuoted = false;
        continue;
      }
      char c = line.charAt(i);
      if (quoted && c == escape && i + 1 < line.length() && line.charAt(i + 1) == quote) {
        value.append(quote);
        i++;
      } else if (c == quote) {
        quoted = !quoted;
        wasQuoted = true;
      } else {
        value.append(c);
      }
    }
    return fields;
  }

  // ---- binary ----

  private int binaryRows(boolean last) {
    byte[] bytes = pending.toByteArray();
    int p = 0;
    if (firstRow) {
      if (bytes.length < SIGNATURE + 8) {
        return keep(bytes, 0);
      }
      int extension = readInt(bytes, SIGNATURE + 4);
      if (extension < 0 || bytes.length < SIGNATURE + 8 + extension) {
        return keep(bytes, 0);
      }
      p = SIGNATURE + 8 + extension;
      firstRow = false;
    }
    while (p + 2 <= bytes.length) {
      int count = (short) (((bytes[p] & 0xFF) << 8) | (bytes[p + 1] & 0xFF));
      if (count < 0) {
        ended = true; // the trailer
        pending.reset();
        return 0;
      }
      int q = p + 2;
      int found = 0;
      boolean whole = true;
      for (int i = 0; i < count; i++) {
        if (q + 4 > bytes.length) {
          whole = false;
          break;
        }
        int length = readInt(bytes, q);
        q += 4;
        if (length < 0) {
          continue;
        }
        if (q + length > bytes.length) {
          whole = false;
          break;
        }
        if (found == 0
            && i < masked.length
            && masked[i]
            && MaskGuard.looksMasked(new String(bytes, q, length, StandardCharsets.UTF_8))) {
          found = i + 1;
        }
        q += length;
      }
      if (!whole) {
        break;
      }
      if (found != 0) {
        pending.reset();
        return found;
      }
      p = q;
    }
    return last ? 0 : keep(bytes, p);
  }

  private int keep(byte[] bytes, int from) {
    pending.reset();
    pending.write(bytes, from, bytes.length - from);
    return 0;
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24)
        | ((b[at + 1] & 0xFF) << 16)
        | ((b[at + 2] & 0xFF) << 8)
        | (b[at + 3] & 0xFF);
  }
}
