package dev.warden.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** The store contract on PostgreSQL (the machine's server, a database of its own). */
class PostgresAuditStoreIT extends AuditStoreContract {
  static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

  @Override
  AuditStore openEmpty() throws Exception {
    try (Connection c = DriverManager.getConnection(ADMIN);
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS warden_audit_it WITH (FORCE)");
      s.execute("CREATE DATABASE warden_audit_it");
    }
    return AuditStore.postgresql(
        "jdbc:postgresql://127.0.0.1:5432/warden_audit_it", "postgres", null);
  }
}
