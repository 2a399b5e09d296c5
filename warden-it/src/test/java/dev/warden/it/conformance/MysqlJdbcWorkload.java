package dev.warden.it.conformance;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * An ordinary Java application's use of a MySQL driver on the demo's shop: the same prepared
 * statements executed again and again (server-side prepared when the driver is set to), joins and
 * aggregates, the decimal, date and NULL values drivers convert, a batch of inserts with generated
 * keys, an update, and a transaction rolled back.
 */
final class MysqlJdbcWorkload {
  private MysqlJdbcWorkload() {}

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
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id, full_name, email, card_number, ssn, ? + 1 AS next"
                + " FROM customers WHERE id = ?")) {
      for (int i = 1; i <= 12; i++) {
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
      for (int i = 1; i <= 6; i++) {
        ps.setLong(1, i);
        try (ResultSet rs = ps.executeQuery()) {
          out.add(Transcript.read("orders of customer " + i, rs));
        }
      }
    }
    try (Statement s = c.createStatement()) {
      out.add(
          Transcript.read(
              "join and aggregate",
              s.executeQuery(
                  "SELECT c.id, c.full_name, count(o.id) AS orders, sum(o.amount) AS spent"
                      + " FROM customers c JOIN orders o ON o.customer_id = c.id"
                      + " GROUP BY c.id, c.full_name ORDER BY c.id LIMIT 25")));
      out.add(
          Transcript.read(
              "another database",
              s.executeQuery(
                  "SELECT id, customer_id, total, card_number, issued_at FROM billing.invoices"
                      + " ORDER BY id LIMIT 15")));
      out.add(
          Transcript.read(
              "values of every kind",
              s.executeQuery(
                  "SELECT 1 AS one, 'text' AS word, NULL AS nothing, CAST(2.50 AS DECIMAL(6,2))"
                      + " AS price, CAST('2024-05-06 07:08:09' AS DATETIME) AS stamp,"
                      + " CAST('2024-05-06' AS DATE) AS day, 1.5e3 AS dbl")));
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO conformance_notes (body, card_number) VALUES (?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      for (int i = 1; i <= 3; i++) {
        ps.setString(1, "note " + i);
        ps.setString(2, i == 2 ? null : "4000000000000002");
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      out.add(Transcript.Result.value("batch insert", "rows", counts.length));
    }
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE conformance_notes SET body = ? WHERE body = ?")) {
      ps.setString(1, "note two, edited");
      ps.setString(2, "note 2");
      out.add(Transcript.Result.value("update", "rows", ps.executeUpdate()));
    }
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO conformance_notes (body) VALUES ('rolled back')");
      c.rollback();
    } finally {
      c.setAutoCommit(true);
    }
    try (Statement s = c.createStatement()) {
      out.add(
          Transcript.read(
              "notes",
              s.executeQuery("SELECT body, card_number FROM conformance_notes ORDER BY body")));
    }
    return new Transcript(out);
  }
}
