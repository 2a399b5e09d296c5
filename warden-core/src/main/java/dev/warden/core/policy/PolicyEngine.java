package dev.warden.core.policy;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import java.util.Set;

/** Decides a statement for an identity (and its roles) on a connection. A pure function. */
public interface PolicyEngine {
  Decision decide(Identity identity, Set<String> roles, String connection, Statement statement);

  /**
   * Decides with the connection's function catalog (volatility from its pg_proc), so a volatile
   * function, which may write, is known as such.
   */
  default Decision decide(
      Identity identity,
      Set<String> roles,
      String connection,
      Statement statement,
      FunctionCatalog functions) {
    return decide(identity, roles, connection, statement);
  }

  /**
   * Whether these roles may only read on this connection. Such sessions run on the database with
   * {@code default_transaction_read_only} on, so a write the analysis could not see (a function
   * that writes) is still refused by the database itself.
   */
  default boolean readOnly(Set<String> roles, String connection) {
    return false;
  }

  /**
   * The limits that hold for a whole session of these roles on this connection (the strictest of
   * every grant that applies); the session's {@code statement_timeout} comes from here.
   */
  default Limits limits(Set<String> roles, String connection) {
    return Limits.NONE;
  }

  /** What these roles see masked on this connection. */
  default Masking masking(Set<String> roles, String connection) {
    return Masking.NONE;
  }
}
