package dev.warden.frontend.postgres;

/**
 * COPY's text format, field by field: a field's backslash escapes decoded as the server decodes
 * them (a backslash and n, t, octal and hex bytes…), and a value escaped back so the server reads
 * it as it was.
 */
final class CopyText {
  private CopyText() {}

  /** A field's value, its escapes decoded. */
  static String unescape(String raw) {
    if (raw.indexOf('\\') < 0) {
      return raw;
    }
    StringBuilder out = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '\\' || i + 1 == raw.length()) {
        out.append(c);
        continue;
      }
      char next = raw.charAt(++i);
      switch (next) {
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'v' -> out.append('\u000b');
        case 'x' -> {
          int end = i + 1;
          while (end < raw.length() && end < i + 3 && Character.digit(raw.charAt(end), 16) >= 0) {
            end++;
          }
          if (end == i + 1) {
            out.append('x');
          } else {
            out.append((char) Integer.parseInt(raw.substring(i + 1, end), 16));
            i = end - 1;
          }
        }
        default -> {
          if (next >= '0' && next <= '7') {
            int end = i;
            while (end < raw.length()
                && end < i + 3
                && raw.charAt(end) >= '0'
                && raw.charAt(end) <= '7') {
              end++;
            }
            out.append((char) Integer.parseInt(raw.substring(i, end), 8));
            i = end - 1;
          } else {
            out.append(next);
          }
        }
      }
    }
    return out.toString();
  }

  /** Appends {@code value} escaped for a field split at {@code delimiter}. */
  static void escape(String value, char delimiter, StringBuilder out) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c == delimiter) {
            out.append('\\');
          }
          out.append(c);
        }
      }
    }
  }
}
