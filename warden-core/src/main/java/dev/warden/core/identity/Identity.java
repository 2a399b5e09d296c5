package dev.warden.core.identity;

import java.util.Map;
import java.util.Set;

/** An authenticated caller: subject and issuer, group claims, and other claims worth keeping. */
public record Identity(
    String subject, String issuer, Set<String> groups, Map<String, String> claims) {
  public Identity {
    groups = Set.copyOf(groups);
    claims = Map.copyOf(claims);
  }
}
