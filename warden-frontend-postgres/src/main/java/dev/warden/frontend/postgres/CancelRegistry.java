package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.BackendKeyData;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Maps the cancel keys Warden hands to clients to the backend sessions they stand for. A client
 * never sees a backend's own key, so it cannot cancel another client's statement, and a key is only
 * good while its session lives.
 */
public final class CancelRegistry {
  /** Where a cancel for one client key must go. */
  public record Target(String connection, BackendKeyData backendKey) {}

  private record Registration(int secretKey, Target target) {}

  private final ConcurrentMap<Integer, Registration> byProcessId = new ConcurrentHashMap<>();
  private final SecureRandom random;

  public CancelRegistry(SecureRandom random) {
    this.random = random;
  }

  /** Registers a session and returns the key to give its client. */
  public BackendKeyData register(Target target) {
    while (true) {
      int processId = random.nextInt(1, Integer.MAX_VALUE);
      int secret = random.nextInt();
      if (byProcessId.putIfAbsent(processId, new Registration(secret, target)) == null) {
        return new BackendKeyData(processId, secret);
      }
    }
  }

  public void unregister(BackendKeyData clientKey) {
    byProcessId.remove(clientKey.processId());
  }

  /** The target for a client's cancel request, if the key is current and its secret matches. */
  public Optional<Target> find(int processId, int secretKey) {
    Registration registration = byProcessId.get(processId);
    if (registration == null) {
      return Optional.empty();
    }
    boolean matches =
        MessageDigest.isEqual(intBytes(registration.secretKey()), intBytes(secretKey));
    return matches ? Optional.of(registration.target()) : Optional.empty();
  }

  public int size() {
    return byProcessId.size();
  }

  private static byte[] intBytes(int value) {
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }
}
