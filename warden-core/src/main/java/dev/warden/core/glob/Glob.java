package dev.warden.core.glob;

import java.util.regex.Pattern;

/** A glob where {@code *} matches any run of characters and everything else is literal. */
public final class Glob {
  private Glob() {}

  /** The pattern of a glob; {@code ignoreCase} for SQL words and names. */
  public static Pattern compile(String glob, boolean ignoreCase) {
    StringBuilder regex = new StringBuilder();
    for (String part : glob.split("\\*", -1)) {
      if (!regex.isEmpty()) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part));
    }
    return Pattern.compile(
        regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
  }
}
