package dev.warden.core.identity;

import java.util.Set;

/** The result of authentication: who the caller is and which connections it may open. */
public record Authenticated(Identity identity, Set<String> connections) {
  public Authenticated {
    connections = Set.copyOf(connections);
  }

  public boolean mayUse(String connection) {
    return connections.contains(connection) || connections.contains("*");
  }
}
