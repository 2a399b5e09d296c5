package dev.warden.core.identity;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Authenticates static service keys against their stored hashes. */
public final class ServiceKeyAuthenticator implements Authenticator {
  public static final String ISSUER = "warden:service-key";

  /** One configured key: the identity it stands for and the connections it may use. */
  public record Entry(
      String subject, Set<String> groups, ServiceKey.Hash hash, Set<String> connections) {
    public Entry {
      groups = Set.copyOf(groups);
      connections = Set.copyOf(connections);
    }
  }

  private final List<Entry> entries;

  public ServiceKeyAuthenticator(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  @Override
  public Authenticated authenticate(Credential credential) {
    String secret = credential.secret();
    if (secret == null || secret.isEmpty()) {
      throw new WardenException(
          ErrorCode.AUTHENTICATION_FAILED,
          "no credential presented",
          "send your Warden service key or token as the password");
    }
    // Check every entry, so the time taken does not tell which entry (if any) matched.
    Entry match = null;
    for (Entry entry : entries) {
      if (entry.hash().matches(secret) && match == null) {
        match = entry;
      }
    }
    if (match == null) {
      throw new WardenException(
          ErrorCode.AUTHENTICATION_FAILED,
          "the presented credential is not a valid Warden service key",
          "check the key, or ask an administrator for a new one (warden keys new)");
    }
    return Authenticated.of(
        new Identity(match.subject(), ISSUER, match.groups(), Map.of()), match.connections(), null);
  }
}
