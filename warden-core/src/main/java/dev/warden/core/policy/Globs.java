package dev.warden.core.policy;

import dev.warden.core.glob.Glob;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

/**
 * Globs for policy rules, compiled once per distinct glob (decisions run per statement; a policy
 * has few distinct globs). Verbs compare without case; names compare exactly, as PostgreSQL does
 * once the parser has folded unquoted identifiers: {@code "Public"} is not {@code public}.
 */
final class Globs {
  private final ConcurrentMap<String, Pattern> words = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Pattern> names = new ConcurrentHashMap<>();

  boolean matchesWord(String glob, String value) {
    return words.computeIfAbsent(glob, g -> Glob.compile(g, true)).matcher(value).matches();
  }

  boolean matchesName(String glob, String value) {
    return names.computeIfAbsent(glob, g -> Glob.compile(g, false)).matcher(value).matches();
  }
}
