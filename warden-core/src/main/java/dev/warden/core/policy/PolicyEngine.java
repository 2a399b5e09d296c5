package dev.warden.core.policy;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.Statement;
import java.util.Set;

/** Decides a statement for an identity (and its roles) on a connection. A pure function. */
public interface PolicyEngine {
  Decision decide(Identity identity, Set<String> roles, String connection, Statement statement);
}
