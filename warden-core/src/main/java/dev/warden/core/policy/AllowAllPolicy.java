package dev.warden.core.policy;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.Statement;
import java.util.Set;

/**
 * Allows everything. The foundation's placeholder so that every statement already passes through
 * the decision step; the declarative policy engine replaces it.
 */
public final class AllowAllPolicy implements PolicyEngine {
  public static final String RULE = "foundation.allow-all";
  private static final Decision ALLOW = new Decision.Allow(RULE, Limits.NONE);

  @Override
  public Decision decide(
      Identity identity, Set<String> roles, String connection, Statement statement) {
    return ALLOW;
  }
}
