package dev.warden.core.identity;

import dev.warden.core.glob.Glob;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Maps identities to a role. Every condition given must hold: the issuer (exact), the subject (a
 * glob: {@code *} matches any run of characters), at least one of the groups, and each claim (a
 * dotted path into the token, exact value). A role grants connections and admin permissions.
 */
public record RoleRule(
    String role,
    String issuer,
    String subject,
    Set<String> anyGroup,
    Map<String, String> claims,
    Set<String> connections,
    Set<String> permissions) {

  public RoleRule {
    anyGroup = Set.copyOf(anyGroup);
    claims = Map.copyOf(claims);
    connections = Set.copyOf(connections);
    permissions = Set.copyOf(permissions);
  }

  public boolean matches(Identity identity) {
    if (issuer != null && !issuer.equals(identity.issuer())) {
      return false;
    }
    if (subject != null && !glob(subject).matcher(identity.subject()).matches()) {
      return false;
    }
    if (!anyGroup.isEmpty() && anyGroup.stream().noneMatch(identity.groups()::contains)) {
      return false;
    }
    for (Map.Entry<String, String> claim : claims.entrySet()) {
      if (!claim.getValue().equals(identity.claims().get(claim.getKey()))) {
        return false;
      }
    }
    return true;
  }

  static Pattern glob(String glob) {
    return Glob.compile(glob, false);
  }
}
