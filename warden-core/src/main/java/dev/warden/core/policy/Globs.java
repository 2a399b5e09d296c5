package dev.warden.core.policy;

import dev.warden.core.glob.Glob;
import java.util.regex.Pattern;

/**
 * Globs for policy rules, compiled once when a policy is loaded (decisions run per statement).
 * Verbs compare without case; names compare exactly, as PostgreSQL does once the parser has folded
 * unquoted identifiers: {@code "Public"} is not {@code public}. Most globs are a plain word, {@code
 * *}, or a prefix before one {@code *}: those compare strings, the rest run a regular expression.
 */
final class Globs {
  private Globs() {}

  /** A compiled glob. */
  interface Matcher {
    boolean matches(String value);
  }

  /** A glob over SQL words (verbs), without case. */
  static Matcher word(String glob) {
    return compile(glob, true);
  }

  /** A glob over names (schemas, tables, functions), exactly. */
  static Matcher name(String glob) {
    return compile(glob, false);
  }

  private static Matcher compile(String glob, boolean ignoreCase) {
    int star = glob.indexOf('*');
    if (star < 0) {
      return ignoreCase ? glob::equalsIgnoreCase : glob::equals;
    }
    if (glob.equals("*")) {
      return value -> true;
    }
    if (star == glob.length() - 1) {
      String prefix = glob.substring(0, star);
      return value -> value.regionMatches(ignoreCase, 0, prefix, 0, prefix.length());
    }
    Pattern pattern = Glob.compile(glob, ignoreCase);
    return value -> pattern.matcher(value).matches();
  }
}
