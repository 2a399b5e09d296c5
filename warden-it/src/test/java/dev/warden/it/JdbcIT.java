package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/** pgJDBC through the gateway against a real PostgreSQL: the protocol surface a JDBC app uses. */
class JdbcIT {
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @BeforeEach
  void table() throws SQLException {
    try (Connection c = fixture.connect();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS jdbc_it");
      s.execute("CREATE TABLE jdbc_it (id int PRIMARY KEY, name text, data bytea)");
    }
  }

  @Test
  void simpleProtocolQuery() throws SQLException {
    Properties props = new Properties();
    props.setProperty("preferQueryMode", "simple");
    try (Connection c = fixture.connect("test", props);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 + 1 AS two, 'x' AS letter")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt("two")).isEqualTo(2);
      assertThat(rs.getString("letter")).isEqualTo("x");
    }
  }

  @Test
  void extendedProtocolWithServerPreparedStatementReusedPastThreshold() throws SQLException {
    Properties props = new Properties();
    props.setProperty("prepareThreshold", "2");
    try (Connection c = fixture.connect("test", props);
        PreparedStatement ps = c.prepareStatement("SELECT ?::int * 2")) {
      for (int i = 0; i < 10; i++) {
        ps.setInt(1, i);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(i * 2);
        }
      }
      assertThat(ps.unwrap(org.postgresql.PGStatement.class).isUseServerPrepare()).isTrue();
    }
  }

  @Test
  void binaryTransferOfParametersAndResults() throws SQLException {
    Properties props = new Properties();
    props.setProperty("binaryTransfer", "true");
    props.setProperty("prepareThreshold", "-1");
    byte[] blob = new byte[4096];
    for (int i = 0; i < blob.length; i++) {
      blob[i] = (byte) i;
    }
    try (Connection c = fixture.connect("test", props)) {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_it VALUES (?, ?, ?)")) {
        ps.setInt(1, 1);
        ps.setString(2, "one");
        ps.setBytes(3, blob);
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement ps =
          c.prepareStatement("SELECT id, data, now() FROM jdbc_it WHERE id = ?")) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(1);
          assertThat(rs.getBytes(2)).isEqualTo(blob);
          assertThat(rs.getTimestamp(3)).isNotNull();
        }
      }
    }
  }

  @Test
  void batchInsert() throws SQLException {
    try (Connection c = fixture.connect();
        PreparedStatement ps = c.prepareStatement("INSERT INTO jdbc_it (id, name) VALUES (?, ?)")) {
      for (int i = 0; i < 500; i++) {
        ps.setInt(1, i);
        ps.setString(2, "row " + i);
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      assertThat(counts).hasSize(500);
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM jdbc_it")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(500);
      }
    }
  }

  @Test
  void rolledBackTransactionLeavesNothing() throws SQLException {
    try (Connection c = fixture.connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO jdbc_it (id, name) VALUES (1, 'gone')");
      }
      c.rollback();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM jdbc_it")) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }

  @Test
  void errorInsideTransactionThenRollbackKeepsSessionUsable() throws SQLException {
    try (Connection c = fixture.connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO jdbc_it (id, name) VALUES (1, 'a')");
        assertThatThrownBy(
                () -> s.executeUpdate("INSERT INTO jdbc_it (id, name) VALUES (1, 'duplicate')"))
            .isInstanceOf(SQLException.class)
            .extracting(e -> ((SQLException) e).getSQLState())
            .isEqualTo("23505");
        assertThatThrownBy(() -> s.executeQuery("SELECT 1"))
            .extracting(e -> ((SQLException) e).getSQLState())
            .isEqualTo("25P02");
      }
      c.rollback();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM jdbc_it")) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }

  @Test
  void hundredThousandRowsStreamWithFetchSize() throws SQLException {
    try (Connection c = fixture.connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.setFetchSize(1000);
        long count = 0;
        long sum = 0;
        try (ResultSet rs =
            s.executeQuery("SELECT g, repeat('x', 50) FROM generate_series(1, 100000) g")) {
          while (rs.next()) {
            count++;
            sum += rs.getLong(1);
          }
        }
        assertThat(count).isEqualTo(100_000);
        assertThat(sum).isEqualTo(100_000L * 100_001 / 2);
      }
      c.commit();
    }
  }

  @Test
  void copyManagerInAndOut() throws Exception {
    try (Connection c = fixture.connect()) {
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      StringBuilder csv = new StringBuilder();
      for (int i = 0; i < 2000; i++) {
        csv.append(i).append(",name ").append(i).append('\n');
      }
      long in =
          copy.copyIn(
              "COPY jdbc_it (id, name) FROM STDIN WITH (FORMAT csv)",
              new StringReader(csv.toString()));
      assertThat(in).isEqualTo(2000);
      StringWriter out = new StringWriter();
      long outRows =
          copy.copyOut(
              "COPY (SELECT id, name FROM jdbc_it ORDER BY id) TO STDOUT WITH (FORMAT csv)", out);
      assertThat(outRows).isEqualTo(2000);
      assertThat(out.toString()).isEqualTo(csv.toString());
    }
  }

  @Test
  void copyAbortedByTheClientLeavesNothingAndTheSessionUsable() throws Exception {
    try (Connection c = fixture.connect()) {
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      java.io.Reader failing =
          new java.io.Reader() {
            int sent;

            @Override
            public int read(char[] buf, int off, int len) throws java.io.IOException {
              if (sent++ == 0) {
                String row = "1,partial\n";
                row.getChars(0, row.length(), buf, off);
                return row.length();
              }
              throw new java.io.IOException("source broke");
            }

            @Override
            public void close() {}
          };
      assertThatThrownBy(
              () -> copy.copyIn("COPY jdbc_it (id, name) FROM STDIN WITH (FORMAT csv)", failing))
          .isInstanceOf(Exception.class);
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM jdbc_it")) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }

  @Test
  void cancelOfLongSleepReturnsPromptly() throws Exception {
    try (Connection c = fixture.connect();
        Statement s = c.createStatement()) {
      Cancellation.assertCancelsLongSleep(s);
      try (ResultSet rs = s.executeQuery("SELECT 42")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
    }
  }
}
