package dev.warden.sql.mysql;

/**
 * Statement text as the server will execute it. MySQL and MariaDB run the content of a versioned
 * comment — {@code /*!50000 DROP TABLE t *}{@code /}, {@code /*!DROP TABLE t *}{@code /}, and on
 * MariaDB {@code /*M!100500 … *}{@code /} — when the server's version is at least the one written,
 * so Warden must analyse that content as code, not skip it as a comment. This lexer walks the text
 * the way the server's does (quoted strings with backslash escapes and doubled quotes, backquoted
 * and double-quoted names, {@code #} and {@code -- } comments, plain comments) and replaces each
 * executed comment's markers with spaces, leaving its content in place; a versioned comment the
 * server skips becomes spaces whole. Positions are unchanged. Text whose lexing Warden cannot be
 * sure of (an unterminated string or comment, a nested versioned comment) is reported as such.
 */
public final class ServerText {
  /** Text the server would lex differently from Warden (an unterminated quote or comment). */
  public static final class Unclear extends Exception {
    Unclear(String message) {
      super(message);
    }
  }

  private ServerText() {}

  /**
   * The text with executed versioned comments opened up.
   *
   * @param version the server's version as MySQL writes it in comments (10.11.19 → 101119)
   * @param mariadb whether the server is MariaDB (it also runs {@code /*M!…*}{@code /})
   * @param backslashEscapes whether a backslash escapes in strings (false with
   *     NO_BACKSLASH_ESCAPES)
   */
  public static String expand(String sql, long version, boolean mariadb, boolean backslashEscapes)
      throws Unclear {
    if (sql.indexOf("/*") < 0) {
      return sql;
    }
    char[] out = sql.toCharArray();
    int n = out.length;
    boolean inVersioned = false;
    int i = 0;
    while (i < n) {
      char c = out[i];
      if (c == '\'' || c == '"' || c == '`') {
        i = skipQuoted(out, i, c, c != '`' && backslashEscapes);
      } else if (c == '#') {
        i = skipLine(out, i);
      } else if (c == '-' && i + 1 < n && out[i + 1] == '-' && (i + 2 == n || out[i + 2] <= ' ')) {
        i = skipLine(out, i);
      } else if (c == '*' && inVersioned && i + 1 < n && out[i + 1] == '/') {
        out[i] = ' ';
        out[i + 1] = ' ';
        inVersioned = false;
        i += 2;
      } else if (c == '/' && i + 1 < n && out[i + 1] == '*') {
        if (inVersioned) {
          throw new Unclear("a comment inside a versioned comment");
        }
        int start = i;
        int markerEnd = -1;
        if (i + 2 < n && out[i + 2] == '!') {
          markerEnd = i + 3;
        } else if (i + 3 < n && out[i + 2] == 'M' && out[i + 3] == '!') {
          markerEnd = mariadb ? i + 4 : -2;
        }
        if (markerEnd == -1 || markerEnd == -2) {
          // A plain comment (or MariaDB's on MySQL): the server skips it whole.
          int end = indexOf(out, start + 2, "*/");
          if (end < 0) {
            throw new Unclear("a comment is not closed");
          }
          i = end + 2;
          continue;
        }
        int digits = markerEnd;
        while (digits < n && digits - markerEnd < 6 && Character.isDigit(out[digits])) {
          digits++;
        }
        int count = digits - markerEnd;
        long wanted =
            count == 5 || count == 6 ? Long.parseLong(sql.substring(markerEnd, digits)) : 0;
        int contentStart = count == 5 || count == 6 ? digits : markerEnd;
        if (wanted > version) {
          int end = indexOf(out, contentStart, "*/");
          if (end < 0) {
            throw new Unclear("a comment is not closed");
          }
          for (int k = start; k < end + 2; k++) {
            out[k] = ' ';
          }
          i = end + 2;
          continue;
        }
        for (int k = start; k < contentStart; k++) {
          out[k] = ' ';
        }
        inVersioned = true;
        i = contentStart;
      } else {
        i++;
      }
    }
    if (inVersioned) {
      throw new Unclear("a versioned comment is not closed");
    }
    return new String(out);
  }

  private static int skipQuoted(char[] s, int start, char quote, boolean backslash) throws Unclear {
    int i = start + 1;
    while (i < s.length) {
      char c = s[i];
      if (backslash && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < s.length && s[i + 1] == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    throw new Unclear("a quoted string or name is not closed");
  }

  private static int skipLine(char[] s, int start) {
    int i = start;
    while (i < s.length && s[i] != '\n') {
      i++;
    }
    return i;
  }

  private static int indexOf(char[] s, int from, String what) {
    return new String(s).indexOf(what, from);
  }

  /** A server version string ("10.11.19-MariaDB-0+deb12u1", "8.0.36") as 101119 or 80036. */
  public static long version(String serverVersion) {
    String[] parts = serverVersion.replaceFirst("^5\\.5\\.5-", "").split("[^0-9]+");
    long major = parts.length > 0 && !parts[0].isEmpty() ? Long.parseLong(parts[0]) : 0;
    long minor = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
    long patch = parts.length > 2 ? Long.parseLong(parts[2]) : 0;
    return major * 10000 + minor * 100 + patch;
  }
}
