package dev.warden.it.conformance;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An ordinary Java application's use of pgJDBC, as its defaults drive the wire: statements reused
 * past the driver's prepare threshold (named server-side statements, Bind/Execute without
 * Describe), binary transfer, batches, generated keys, cursors with a fetch size, transactions, an
 * error, and the DatabaseMetaData calls a database tool (DBeaver, DataGrip) makes when it connects.
 */
final class JdbcWorkload {
  private JdbcWorkload() {}

  /** Runs the workload on {@code c}; the caller has emptied {@code public.conformance_notes}. */
  static Transcript run(Connection c) throws SQLException {
    List<Transcript.Result> out = new ArrayList<>();
    try (Statement s = c.createStatement()) {
      out.add(
          Transcript.read(
              "simple select",
              s.executeQuery(
                  "SELECT id, full_name, email, phone, card_number, card_expiry, ssn, created_at"
                      + " FROM customers ORDER BY id LIMIT 10")));
    }
    // One PreparedStatement executed 20 times: pgJDBC switches to a named statement at its
    // prepareThreshold and from then on sends Bind/Execute only.
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, full_name, email, card_number, ssn, ?::int8 + 1 AS next"
                + " FROM customers WHERE id = ?")) {
      for (int i = 1; i <= 20; i++) {
        ps.setLong(1, i);
        ps.setLong(2, 100 + i);
        try (ResultSet rs = ps.executeQuery()) {
          out.add(Transcript.read("customer by id, execution " + i, rs));
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT o.id, o.amount, o.status, o.created_at FROM orders o"
                + " WHERE o.customer_id = ? ORDER BY o.id")) {
      for (int i = 1; i <= 8; i++) {
        ps.setLong(1, i);
        try (ResultSet rs = ps.executeQuery()) {
          out.add(Transcript.read("orders of customer " + i, rs));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT ?::int8 + 1 AS n, ?::text AS word")) {
      for (int i = 1; i <= 8; i++) {
        ps.setLong(1, i);
        ps.setString(2, "w" + i);
        try (ResultSet rs = ps.executeQuery()) {
          out.add(Transcript.read("expression, execution " + i, rs));
        }
      }
    }
    // Generated keys (pgJDBC appends RETURNING), several times past the threshold.
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO conformance_notes (body, card_number) VALUES (?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      for (int i = 1; i <= 7; i++) {
        ps.setString(1, "note " + i);
        ps.setString(2, "4111 1111 1111 " + (1110 + i));
        out.add(Transcript.Result.value("insert " + i, "count", ps.executeUpdate()));
        try (ResultSet keys = ps.getGeneratedKeys()) {
          out.add(Transcript.read("generated keys " + i, keys));
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement("INSERT INTO conformance_notes (body, card_number) VALUES (?, ?)")) {
      for (int i = 1; i <= 10; i++) {
        ps.setString(1, "batch " + i);
        ps.setString(2, "5500 0000 0000 " + (1000 + i));
        ps.addBatch();
      }
      out.add(Transcript.Result.value("batch", "counts", Arrays.toString(ps.executeBatch())));
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE conformance_notes SET body = body || ? WHERE id = ?"
                + " RETURNING id, body, card_number")) {
      for (int i = 1; i <= 7; i++) {
        ps.setString(1, " (edited)");
        ps.setLong(2, i);
        try (ResultSet rs = ps.executeQuery()) {
          out.add(Transcript.read("update returning " + i, rs));
        }
      }
    }
    // A transaction that is rolled back, then what is left.
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      out.add(
          Transcript.Result.value(
              "update in a transaction",
              "count",
              s.executeUpdate("UPDATE conformance_notes SET body = 'gone' WHERE id <= 3")));
      c.rollback();
      // A cursor with a fetch size: the portal is executed in batches.
      s.setFetchSize(7);
      out.add(
          Transcript.read(
              "cursor with fetch size",
              s.executeQuery(
                  "SELECT id, full_name, card_number, ssn FROM customers ORDER BY id LIMIT 40")));
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT id, email, card_number FROM customers WHERE id > ? ORDER BY id LIMIT 30")) {
        ps.setFetchSize(4);
        for (int i = 1; i <= 6; i++) {
          ps.setLong(1, i * 10L);
          try (ResultSet rs = ps.executeQuery()) {
            out.add(Transcript.read("prepared cursor " + i, rs));
          }
        }
      }
      c.commit();
    } finally {
      c.setAutoCommit(true);
    }
    try (Statement s = c.createStatement()) {
      out.add(
          Transcript.read(
              "notes",
              s.executeQuery("SELECT id, body, card_number FROM conformance_notes ORDER BY id")));
      out.add(
          Transcript.read(
              "types",
              s.executeQuery(
                  "SELECT id, amount, status, created_at, amount * 2 AS doubled,"
                      + " created_at::date AS day FROM orders ORDER BY id LIMIT 12")));
      try {
        s.executeQuery("SELECT 1 / (id - id) FROM orders WHERE id = 1");
        out.add(Transcript.Result.value("division by zero", "ran", true));
      } catch (SQLException e) {
        out.add(Transcript.Result.error("division by zero", e.getSQLState()));
      }
      out.add(Transcript.read("after the error", s.executeQuery("SELECT count(*) FROM orders")));
    }
    metadata(c.getMetaData(), out);
    return new Transcript(out);
  }

  /** What DBeaver and DataGrip ask pgJDBC for when they connect and open the shop schema. */
  private static void metadata(DatabaseMetaData meta, List<Transcript.Result> out)
      throws SQLException {
    out.add(Transcript.Result.value("product", "name", meta.getDatabaseProductName()));
    out.add(Transcript.read("catalogs", meta.getCatalogs()));
    out.add(Transcript.read("schemas", meta.getSchemas()));
    out.add(Transcript.read("tables", meta.getTables(null, "public", "%", new String[] {"TABLE"})));
    out.add(Transcript.read("billing tables", meta.getTables(null, "billing", "%", null)));
    out.add(Transcript.read("columns", meta.getColumns(null, "public", "customers", null)));
    out.add(Transcript.read("primary keys", meta.getPrimaryKeys(null, "public", "orders")));
    out.add(Transcript.read("imported keys", meta.getImportedKeys(null, "public", "orders")));
    out.add(Transcript.read("exported keys", meta.getExportedKeys(null, "public", "customers")));
    out.add(
        Transcript.read("indexes", meta.getIndexInfo(null, "public", "customers", false, true)));
    out.add(Transcript.read("table types", meta.getTableTypes()));
    out.add(Transcript.read("functions", meta.getFunctions(null, "public", "%")));
    out.add(Transcript.read("procedures", meta.getProcedures(null, "public", "%")));
    out.add(Transcript.read("type info", meta.getTypeInfo()));
  }
}
