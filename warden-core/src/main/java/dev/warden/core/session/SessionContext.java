package dev.warden.core.session;

import dev.warden.core.identity.Identity;
import java.util.Set;

/** Who a session is (identity and the roles it maps to), where it came from, which connection. */
public record SessionContext(
    String sessionId,
    Identity identity,
    Set<String> roles,
    String connection,
    String clientAddress,
    String applicationName) {
  public SessionContext {
    roles = Set.copyOf(roles);
  }
}
