package dev.warden.protocol.postgres.scram;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * SCRAM's salted password for one credential, by salt and iteration count. The server's salt and
 * count for a role only change when its password does, so a gateway that logs in as the same role
 * again and again computes the 4,096-round PBKDF2 once instead of per connection. One cache per
 * password; it holds nothing more sensitive than the password it was built for.
 */
public final class SaltedPasswordCache {
  private static final int MAX_ENTRIES = 16;
  private final ConcurrentMap<String, byte[]> entries = new ConcurrentHashMap<>();

  byte[] get(String salt, int iterations, Supplier<byte[]> compute) {
    String key = iterations + ":" + salt;
    byte[] cached = entries.get(key);
    if (cached != null) {
      return cached;
    }
    byte[] computed = compute.get();
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear(); // a changing salt means a changed password: old entries are useless
    }
    entries.put(key, computed);
    return computed;
  }

  public int size() {
    return entries.size();
  }
}
