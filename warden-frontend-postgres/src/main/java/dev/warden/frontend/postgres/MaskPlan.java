package dev.warden.frontend.postgres;

import dev.warden.core.mask.Classifiers;
import dev.warden.core.mask.MaskStrategy;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Supplier;

/**
 * How the columns of one result are masked, built from its RowDescription: a column that comes from
 * a masked base column (by the table OID and attribute number the server reports, resolved through
 * the connection's column catalog) gets its rule's strategy; every other column is scanned by the
 * content classifiers. A masked value is always valid for its column: text columns get the mask as
 * text, any other type gets NULL (or the policy's constant, in text format).
 *
 * <p>Rows are rewritten one at a time and only when something in them changes; a row with nothing
 * to mask goes on as the bytes the server sent.
 */
final class MaskPlan {
  static final int PASS = 0;
  static final int MASK = 1;
  static final int CLASSIFY = 2;

  /** text, varchar, bpchar, name: types whose text and binary forms are the same UTF-8. */
  private static final int[] TEXT_TYPES = {25, 1043, 1042, 19};

  private static final int INT4 = 23;
  private static final int INT8 = 20;

  /** A described result with nothing to mask. */
  static final MaskPlan NONE =
      new MaskPlan(
          new int[0],
          new MaskStrategy[0],
          new boolean[0],
          new boolean[0],
          new int[0],
          new Classifiers(Set.of()));

  private final int[] actions;
  private final String[] replaced;
  private final boolean[] nulled;
  private final int[] offsets;
  private final int[] lengths;
  private final MaskStrategy[] strategies;
  private final boolean[] textType;
  private final boolean[] binary;
  private final int[] types;
  private final Classifiers classifiers;

  MaskPlan(
      int[] actions,
      MaskStrategy[] strategies,
      boolean[] textType,
      boolean[] binary,
      int[] types,
      Classifiers classifiers) {
    this.actions = actions;
    this.replaced = new String[actions.length];
    this.masked = new byte[actions.length][];
    this.nulled = new boolean[actions.length];
    this.offsets = new int[actions.length];
    this.lengths = new int[actions.length];
    this.strategies = strategies;
    this.textType = textType;
    this.binary = binary;
    this.types = types;
    this.classifiers = classifiers;
  }

  /** Some column was masked whole because its relation is not in the catalog yet. */
  boolean uncatalogued;

  /** {@link MaskStrategy.Redact}'s token, encoded once. */
  private static final byte[] REDACTED = MaskStrategy.Redact.TOKEN.getBytes(StandardCharsets.UTF_8);

  /** Marks a cell masked by {@link #keepLast} while the row is written. */
  private static final String KEEP_LAST_BYTES = new String("keep-last");

  /**
   * A cell's bytes in a scratch array reused row after row: one bulk copy instead of a checked
   * {@code getByte} per byte.
   */
  private byte[] scratch = new byte[256];

  private byte[] cell(ByteBuf frame, int offset, int length) {
    if (scratch.length < length) {
      scratch = new byte[Math.max(length, scratch.length * 2)];
    }
    frame.getBytes(offset, scratch, 0, length);
    return scratch;
  }

  /** Per column, the keep-last mask of the current row's cell (see {@link #keepLastAscii}). */
  private final byte[][] masked;

  /**
   * {@link MaskStrategy.KeepLast} on a cell's bytes into {@code masked[column]}, when the cell is
   * ASCII (false otherwise: the strategy then runs on the decoded text).
   */
  private boolean keepLastAscii(ByteBuf frame, int offset, int length, int n, int column) {
    byte[] b = masked[column];
    if (b == null || b.length < length) {
      b = masked[column] = new byte[Math.max(length, 32)];
    }
    frame.getBytes(offset, b, 0, length);
    int alnum = 0;
    for (int k = 0; k < length; k++) {
      byte c = b[k];
      if (c < 0) {
        return false;
      }
      if (alnum(c)) {
        alnum++;
      }
    }
    int keepFrom = alnum > n ? alnum - n : Integer.MAX_VALUE;
    int seen = 0;
    for (int k = 0; k < length; k++) {
      if (alnum(b[k]) && seen++ < keepFrom) {
        b[k] = '*';
      }
    }
    return true;
  }

  private static boolean alnum(byte b) {
    return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
  }

  private static boolean needsValue(MaskStrategy strategy) {
    return !(strategy instanceof MaskStrategy.Redact
        || strategy instanceof MaskStrategy.Nullify
        || strategy instanceof MaskStrategy.Constant);
  }

  static boolean isText(int type) {
    for (int t : TEXT_TYPES) {
      if (t == type) {
        return true;
      }
    }
    return false;
  }

  /**
   * Writes the masked DataRow for {@code frame} (a whole message: type, length, body) into the
   * buffer {@code target} supplies, and says so; false (nothing written) when the row goes on
   * unchanged. A row whose column count differs from the plan's is masked entirely.
   */
  boolean rewrite(ByteBuf frame, Supplier<ByteBuf> target) {
    int base = frame.readerIndex() + 5;
    int count = frame.getUnsignedShort(base);
    if (count != actions.length) {
      // The rows do not have the described shape: nothing says which cell is which.
      throw MaskPlans.shapeUnknown("?");
    }
    // Scratch space reused row after row: a plan belongs to one statement on one event loop.
    String[] replaced = this.replaced;
    boolean[] nulled = this.nulled;
    int[] offsets = this.offsets;
    int[] lengths = this.lengths;
    Arrays.fill(replaced, null);
    Arrays.fill(nulled, false);
    boolean changed = false;
    int position = base + 2;
    for (int i = 0; i < count; i++) {
      int length = frame.getInt(position);
      position += 4;
      offsets[i] = position;
      lengths[i] = length;
      if (length >= 0) {
        position += length;
      }
      if (length < 0 || actions[i] == PASS) {
        continue;
      }
      String value = null;
      boolean toNull = false;
      switch (actions[i]) {
        case MASK -> {
          MaskStrategy strategy = strategies[i];
          boolean textForm = textType[i] || !binary[i];
          if (textType[i]
              && strategy instanceof MaskStrategy.KeepLast keep
              && keepLastAscii(frame, offsets[i], length, keep.n(), i)) {
            // The common case (an ASCII card number kept to its last digits): masked byte by
            // byte in one pass, without decoding it to a String and back.
            replaced[i] = KEEP_LAST_BYTES;
            changed = true;
            continue;
          }
          // Strategies that ignore the value (redact, null, constant) do not need it decoded.
          String original =
              textForm && needsValue(strategy)
                  ? frame.toString(offsets[i], length, StandardCharsets.UTF_8)
                  : "";
          String masked = strategy.mask(original);
          if (masked == null || (strategy.producesText() && !textType[i]) || (!textForm)) {
            toNull = true;
          } else {
            value = masked;
          }
        }
        case CLASSIFY -> {
          String text = textForClassifier(frame, offsets[i], length, i);
          if (text != null) {
            String scrubbed = classifiers.scrub(text);
            if (scrubbed != text) {
              if (textType[i]) {
                value = scrubbed;
              } else {
                toNull = true;
              }
            }
          }
        }
        default -> {}
      }
      if (value != null || toNull) {
        replaced[i] = value;
        nulled[i] = toNull;
        changed = true;
      }
    }
    if (!changed) {
      return false;
    }
    ByteBuf out = target.get();
    out.writeByte('D');
    int lengthIndex = out.writerIndex();
    out.writeInt(0);
    out.writeShort(count);
    // Unchanged cells are contiguous in the frame (length, bytes, length, bytes …): each run of
    // them is copied in one go.
    int run = -1;
    for (int i = 0; i < count; i++) {
      boolean unchanged = !nulled[i] && replaced[i] == null;
      int cellStart = offsets[i] - 4;
      if (unchanged) {
        if (run < 0) {
          run = cellStart;
        }
        continue;
      }
      if (run >= 0) {
        out.writeBytes(frame, run, cellStart - run);
        run = -1;
      }
      if (nulled[i]) {
        out.writeInt(-1);
      } else if (replaced[i] == KEEP_LAST_BYTES) {
        out.writeInt(lengths[i]);
        out.writeBytes(masked[i], 0, lengths[i]);
      } else if (replaced[i] == MaskStrategy.Redact.TOKEN) {
        out.writeInt(REDACTED.length);
        out.writeBytes(REDACTED);
      } else {
        int at = out.writerIndex();
        out.writeInt(0);
        int written = out.writeCharSequence(replaced[i], StandardCharsets.UTF_8);
        out.setInt(at, written);
      }
    }
    if (run >= 0) {
      int end = offsets[count - 1] + Math.max(lengths[count - 1], 0);
      out.writeBytes(frame, run, end - run);
    }
    out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
    return true;
  }

  /**
   * The text the classifiers read for a cell, or null when it cannot hold a finding (counted on the
   * bytes, without decoding: see {@link Classifiers#mayMatch}). Binary int4/int8 are read as their
   * decimal text; other binary non-text values are not classified.
   */
  private String textForClassifier(ByteBuf frame, int offset, int length, int column) {
    if (binary[column] && !textType[column]) {
      return switch (types[column]) {
        case INT8 -> length == 8 ? Long.toString(frame.getLong(offset)) : null;
        case INT4 -> length == 4 ? Integer.toString(frame.getInt(offset)) : null;
        default -> null;
      };
    }
    byte[] bytes = cell(frame, offset, length);
    int digits = 0;
    boolean at = false;
    boolean nonAscii = false;
    for (int k = 0; k < length; k++) {
      byte b = bytes[k];
      if (b >= '0' && b <= '9') {
        digits++;
      } else if (b == '@') {
        at = true;
      } else if (b < 0) {
        nonAscii = true;
      }
    }
    return classifiers.mayMatch(digits, at, nonAscii, length)
        ? new String(bytes, 0, length, StandardCharsets.UTF_8)
        : null;
  }
}
