package dev.warden.core.identity;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Adds roles to an authenticated identity: every matching rule's role, connections and permissions,
 * on top of the grants the credential carries itself. A pure function.
 */
public final class RoleMapper implements Authenticator {
  private final Authenticator delegate;
  private final List<RoleRule> rules;

  public RoleMapper(Authenticator delegate, List<RoleRule> rules) {
    this.delegate = delegate;
    this.rules = List.copyOf(rules);
  }

  @Override
  public Authenticated authenticate(Credential credential) {
    return map(delegate.authenticate(credential));
  }

  public Authenticated map(Authenticated authenticated) {
    Set<String> roles = new HashSet<>(authenticated.roles());
    Set<String> connections = new HashSet<>(authenticated.connections());
    Set<String> permissions = new HashSet<>(authenticated.permissions());
    for (RoleRule rule : rules) {
      if (rule.matches(authenticated.identity())) {
        roles.add(rule.role());
        connections.addAll(rule.connections());
        permissions.addAll(rule.permissions());
      }
    }
    return new Authenticated(
        authenticated.identity(), roles, connections, permissions, authenticated.expiresAt());
  }
}
