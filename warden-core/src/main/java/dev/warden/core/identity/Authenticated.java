package dev.warden.core.identity;

import java.time.Instant;
import java.util.Set;

/**
 * The result of authentication: who the caller is, the roles it maps to, the connections and admin
 * permissions those grant, and when its credential expires (null for service keys).
 */
public record Authenticated(
    Identity identity,
    Set<String> roles,
    Set<String> connections,
    Set<String> permissions,
    Instant expiresAt) {

  public Authenticated {
    roles = Set.copyOf(roles);
    connections = Set.copyOf(connections);
    permissions = Set.copyOf(permissions);
  }

  /** An identity with direct grants and no roles yet (role mapping adds them). */
  public static Authenticated of(Identity identity, Set<String> connections, Instant expiresAt) {
    return new Authenticated(identity, Set.of(), connections, Set.of(), expiresAt);
  }

  public boolean mayUse(String connection) {
    return connections.contains(connection) || connections.contains("*");
  }

  public boolean hasPermission(String permission) {
    return permissions.contains(permission) || permissions.contains("*");
  }
}
