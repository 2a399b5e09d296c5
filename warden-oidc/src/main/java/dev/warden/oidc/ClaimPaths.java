package dev.warden.oidc;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Claim lookup by dotted path. A key may itself contain dots (Kubernetes puts its claims under
 * {@code "kubernetes.io"}), so each step takes the longest run of path segments that is a key.
 */
final class ClaimPaths {
  private static final int MAX_FLATTENED = 256;
  private static final int MAX_VALUE_LENGTH = 1024;

  private ClaimPaths() {}

  static Object resolve(Map<String, Object> claims, String path) {
    String[] segments = path.split("\\.");
    Object current = claims;
    int i = 0;
    while (i < segments.length) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      Object next = null;
      int taken = 0;
      for (int j = segments.length; j > i; j--) {
        String key = String.join(".", java.util.Arrays.copyOfRange(segments, i, j));
        if (map.containsKey(key)) {
          next = map.get(key);
          taken = j - i;
          break;
        }
      }
      if (taken == 0) {
        return null;
      }
      current = next;
      i += taken;
    }
    return current;
  }

  /** A claim as a set of strings: a string is one, an array of strings is many. */
  static Set<String> strings(Object value) {
    Set<String> out = new LinkedHashSet<>();
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof Collection<?> c) {
      c.forEach(
          v -> {
            if (v instanceof String s) {
              out.add(s);
            }
          });
    }
    return out;
  }

  /** Scalar claims under dotted keys ("kubernetes.io.namespace" → "ci"), bounded in size. */
  static Map<String, String> flatten(Map<String, Object> claims) {
    Map<String, String> out = new LinkedHashMap<>();
    flatten("", claims, out);
    return out;
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      if (out.size() >= MAX_FLATTENED) {
        return;
      }
      String key = prefix + e.getKey();
      switch (e.getValue()) {
        case Map<?, ?> nested -> flatten(key + ".", nested, out);
        case String s when s.length() <= MAX_VALUE_LENGTH -> out.put(key, s);
        case Number n -> out.put(key, n.toString());
        case Boolean b -> out.put(key, b.toString());
        case null, default -> {}
      }
    }
  }
}
