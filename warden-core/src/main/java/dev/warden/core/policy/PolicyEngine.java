package dev.warden.core.policy;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.Statement;

/** Decides a statement for an identity on a connection. A pure function of its arguments. */
public interface PolicyEngine {
  Decision decide(Identity identity, String connection, Statement statement);
}
