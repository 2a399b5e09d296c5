package dev.warden.frontend.mcp;

import dev.warden.core.identity.Authenticated;

/**
 * Who sent one HTTP request to the MCP endpoint: the identity its bearer token stands for, the
 * token itself (Warden's wire door checks it again when the agent's session opens there), and where
 * the request came from. Never logged: {@link #toString} leaves the token out.
 */
record Caller(Authenticated authenticated, String token, String address) {
  static final String ATTRIBUTE = "warden.mcp.caller";

  String subject() {
    return authenticated.identity().subject();
  }

  /** Whether {@code other} is the same identity (issuer and subject). */
  boolean sameIdentity(Caller other) {
    return other.authenticated.identity().subject().equals(subject())
        && other.authenticated.identity().issuer().equals(authenticated.identity().issuer());
  }

  @Override
  public String toString() {
    return "Caller[" + subject() + " from " + address + "]";
  }
}
