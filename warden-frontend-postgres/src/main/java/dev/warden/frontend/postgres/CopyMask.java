package dev.warden.frontend.postgres;

import dev.warden.core.mask.Classifiers;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.mask.OutputMasks;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.CopyFormat;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Masks the rows of one COPY … TO STDOUT, one CopyData message (one row) at a time: the fields the
 * analysis traced to masked columns get their masks, and the classifiers scan the rest.
 *
 * <ul>
 *   <li>text: fields split at the delimiter (which the server always escapes inside a value),
 *       backslash escapes decoded before masking and applied again after;
 *   <li>CSV: fields parsed with the statement's quote and escape characters, a masked value written
 *       quoted;
 *   <li>binary: the signature and header before the first row skipped, each field's length read; a
 *       masked field, or one the classifiers find something in, becomes NULL (the only value valid
 *       for any type, and COPY does not say the types).
 * </ul>
 *
 * A masked field keeps its strategy's text in text and CSV; the header line of CSV or text with
 * HEADER passes (column names).
 */
final class CopyMask {
  private final CopyFormat format;
  private final MaskStrategy[] strategies;
  private final Classifiers classifiers;
  private boolean first = true;

  private CopyMask(CopyFormat format, MaskStrategy[] strategies, Classifiers classifiers) {
    this.format = format;
    this.strategies = strategies;
    this.classifiers = classifiers;
  }

  /** The mask of a COPY of {@code columns} columns. */
  static CopyMask of(CopyFormat format, int columns, OutputMasks traced, Masking masking) {
    MaskStrategy[] strategies = new MaskStrategy[columns];
    for (int i = 0; i < columns; i++) {
      Masking.ColumnMask mask = traced.at(i, columns);
      strategies[i] = mask == null ? null : mask.strategy();
    }
    return new CopyMask(format, strategies, masking.classifiers());
  }

  /**
   * Rewrites one CopyData frame into {@code target} when something in it changes; false when the
   * frame may go on as it is.
   */
  boolean rewrite(ByteBuf frame, Supplier<ByteBuf> target) {
    int start = frame.readerIndex() + 5;
    int length = frame.readableBytes() - 5;
    if (format.binary()) {
      return binary(frame, start, length, target);
    }
    String line = frame.toString(start, length, StandardCharsets.UTF_8);
    if (first) {
      first = false;
      if (format.header()) {
        return false;
      }
    }
    String masked = format.csv() ? csv(line) : text(line);
    String scrubbed = classifiers.enabled() ? classifiers.scrub(masked) : masked;
    if (scrubbed.equals(line)) {
      return false;
    }
    ByteBuf out = target.get();
    int at = out.writerIndex();
    out.writeByte('d').writeInt(0);
    int written = out.writeCharSequence(scrubbed, StandardCharsets.UTF_8);
    out.setInt(at + 1, written + 4);
    return true;
  }

  // ---- text ----

  private String text(String line) {
    boolean newline = line.endsWith("\n");
    String body = newline ? line.substring(0, line.length() - 1) : line;
    StringBuilder out = new StringBuilder(line.length() + 16);
    int field = 0;
    int from = 0;
    char delimiter = format.delimiter();
    while (true) {
      int to = body.indexOf(delimiter, from);
      String raw = to < 0 ? body.substring(from) : body.substring(from, to);
      MaskStrategy strategy = field < strategies.length ? strategies[field] : null;
      if (strategy == null || raw.equals(format.nullString())) {
        out.append(raw);
      } else {
        String value = strategy.mask(CopyText.unescape(raw));
        if (value == null) {
          out.append(format.nullString());
        } else {
          CopyText.escape(value, delimiter, out);
        }
      }
      if (to < 0) {
        break;
      }
      out.append(delimiter);
      from = to + 1;
      field++;
    }
    if (newline) {
      out.append('\n');
    }
    return out.toString();
  }

  // ---- CSV ----

  private String csv(String line) {
    char delimiter = format.delimiter();
    char quote = format.quote();
    char escape = format.escape();
    StringBuilder out = new StringBuilder(line.length() + 16);
    int i = 0;
    int field = 0;
    int n = line.length();
    while (true) {
      int start = i;
      boolean quoted = i < n && line.charAt(i) == quote;
      StringBuilder value = new StringBuilder();
      if (quoted) {
        i++;
        while (i < n) {
          char c = line.charAt(i);
          if (c == escape && i + 1 < n && line.charAt(i + 1) == quote && escape != quote) {
            value.append(quote);
            i += 2;
          } else if (c == quote) {
            if (escape == quote && i + 1 < n && line.charAt(i + 1) == quote) {
              value.append(quote);
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            value.append(c);
            i++;
          }
        }
      }
      while (i < n
          && line.charAt(i) != delimiter
          && line.charAt(i) != '\n'
          && line.charAt(i) != '\r') {
        value.append(line.charAt(i));
        i++;
      }
      String raw = line.substring(start, i);
      MaskStrategy strategy = field < strategies.length ? strategies[field] : null;
      if (strategy == null || (!quoted && raw.equals(format.nullString()))) {
        out.append(raw);
      } else {
        String masked = strategy.mask(value.toString());
        if (masked == null) {
          out.append(format.nullString());
        } else {
          out.append(quote);
          for (int k = 0; k < masked.length(); k++) {
            char c = masked.charAt(k);
            if (c == quote || c == escape) {
              out.append(escape);
            }
            out.append(c);
          }
          out.append(quote);
        }
      }
      if (i < n && line.charAt(i) == delimiter) {
        out.append(delimiter);
        i++;
        field++;
        continue;
      }
      out.append(line, i, n); // the line end
      break;
    }
    return out.toString();
  }

  // ---- binary ----

  private static final int SIGNATURE = 11;

  private boolean binary(ByteBuf frame, int start, int length, Supplier<ByteBuf> target) {
    int p = start;
    int end = start + length;
    if (first) {
      first = false;
      if (length < SIGNATURE + 8) {
        return false;
      }
      p += SIGNATURE + 4;
      p += 4 + frame.getInt(p);
    }
    if (p + 2 > end) {
      return false;
    }
    short count = frame.getShort(p);
    if (count < 0) {
      return false; // the trailer
    }
    // First pass: which fields change.
    boolean[] nulled = new boolean[count];
    boolean any = false;
    int q = p + 2;
    for (int i = 0; i < count && q + 4 <= end; i++) {
      int len = frame.getInt(q);
      q += 4;
      if (len >= 0) {
        MaskStrategy strategy = i < strategies.length ? strategies[i] : null;
        if (strategy != null
            || (classifiers.enabled() && found(frame.toString(q, len, StandardCharsets.UTF_8)))) {
          nulled[i] = true;
          any = true;
        }
        q += len;
      }
    }
    if (!any) {
      return false;
    }
    ByteBuf out = target.get();
    int at = out.writerIndex();
    out.writeByte('d').writeInt(0);
    out.writeBytes(frame, start, p + 2 - start);
    q = p + 2;
    for (int i = 0; i < count && q + 4 <= end; i++) {
      int len = frame.getInt(q);
      if (nulled[i]) {
        out.writeInt(-1);
      } else {
        out.writeBytes(frame, q, 4 + Math.max(len, 0));
      }
      q += 4 + Math.max(len, 0);
    }
    out.setInt(at + 1, out.writerIndex() - at - 1);
    return true;
  }

  private boolean found(String text) {
    return !classifiers.scrub(text).equals(text);
  }
}
