package dev.warden.core.policy;

import java.util.Locale;
import java.util.regex.Pattern;

/** Case-insensitive globs with {@code *} (any run) for names and verbs. */
final class Globs {
  private Globs() {}

  static boolean matches(String glob, String value) {
    StringBuilder regex = new StringBuilder("(?i)");
    for (String part : glob.split("\\*", -1)) {
      if (regex.length() > 4) {
        regex.append(".*");
      }
      regex.append(Pattern.quote(part.toLowerCase(Locale.ROOT)));
    }
    return Pattern.compile(regex.toString()).matcher(value.toLowerCase(Locale.ROOT)).matches();
  }
}
