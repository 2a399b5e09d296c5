package dev.warden.core.admission;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * A statement's parameters exactly as the client sent them, whatever the protocol: each value's
 * bytes (null for SQL NULL), in text ({@code 0}) or binary ({@code 1}) format, and the types the
 * client declared for them, if any. An approval is bound to these bytes, the planner's estimate
 * uses them, and the audit trail records them.
 *
 * @param types declared parameter types (the front door's own type ids); may be empty
 * @param formats none (all text), one (for all), or one per value, as in PostgreSQL's Bind
 */
public record BoundParameters(List<Integer> types, List<Integer> formats, List<byte[]> values) {
  public static final BoundParameters NONE = new BoundParameters(List.of(), List.of(), List.of());

  /** The longest value the audit keeps; longer ones are cut (and say so). */
  public static final int MAX_RECORDED = 4096;

  public BoundParameters {
    types = List.copyOf(types);
    formats = List.copyOf(formats);
    values = Collections.unmodifiableList(new ArrayList<>(values));
  }

  /** The format of value {@code i}: 0 text, 1 binary. */
  public int format(int i) {
    return formats.isEmpty() ? 0 : formats.size() == 1 ? formats.getFirst() : formats.get(i);
  }

  /**
   * The values as the audit trail and approvers see them: text as sent, binary as {@code \x} hex,
   * each cut at {@link #MAX_RECORDED} bytes (marked with …).
   */
  public List<String> texts() {
    List<String> out = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      byte[] v = values.get(i);
      if (v == null) {
        out.add(null);
        continue;
      }
      int length = Math.min(v.length, MAX_RECORDED);
      String text =
          format(i) == 0
              ? new String(v, 0, length, StandardCharsets.UTF_8)
              : "\\x" + HexFormat.of().formatHex(v, 0, length);
      out.add(length < v.length ? text + "…" : text);
    }
    return out;
  }

  /** Value {@code n} (from 1) read as UTF-8 text, or null when absent or NULL. */
  public String text(int n) {
    if (n < 1 || n > values.size() || values.get(n - 1) == null) {
      return null;
    }
    return new String(values.get(n - 1), StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof BoundParameters b)
        || !b.types.equals(types)
        || !b.formats.equals(formats)
        || b.values.size() != values.size()) {
      return false;
    }
    for (int i = 0; i < values.size(); i++) {
      if (!java.util.Arrays.equals(values.get(i), b.values.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = types.hashCode() * 31 + formats.hashCode();
    for (byte[] v : values) {
      h = h * 31 + java.util.Arrays.hashCode(v);
    }
    return h;
  }

  @Override
  public String toString() {
    return "BoundParameters" + texts();
  }
}
