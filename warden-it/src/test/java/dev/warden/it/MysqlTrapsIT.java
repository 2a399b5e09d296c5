package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.audit.Slf4jAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MySQL's lexical and semantic traps through the MySQL door: text the server reads differently from
 * a naive parser (backslash escapes, versioned comments, {@code #} and {@code -- } comments),
 * settings that would change how it reads text, several statements in one string, and the
 * statements that reach outside the database (server files, global settings, stored code, HANDLER).
 * Each refused statement never reaches MariaDB; each allowed one returns what MariaDB returns.
 */
class MysqlTrapsIT {
  private static final String POLICY =
      """
      {"version": 1, "volatileFunctions": ["sleep"], "grants": [{"id": "g", "roles": ["agent"], "connections": ["test"],
        "allow": [{"id": "rw", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"],
                   "objects": ["test.trap_*"]},
                  {"id": "show", "classes": ["READ"], "verbs": ["SHOW"], "objects": ["test.trap_*"]},
                  {"id": "session", "classes": ["SESSION", "TRANSACTION"]},
                  {"id": "kill", "classes": ["UTILITY"], "verbs": ["KILL*"]}],
        "deny": [{"id": "no-ddl", "classes": ["DDL"]}],
        "masks": [{"id": "secret", "columns": ["test.trap_accounts.secret"], "strategy": "redact"}]},
       {"id": "d", "roles": ["dba"], "connections": ["test"],
        "allow": [{"id": "dba-session", "classes": ["SESSION", "TRANSACTION"]}]}]}
      """;

  private static MysqlFixture warden;

  @BeforeAll
  static void start() throws Exception {
    try (Connection c = MysqlFixture.direct();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS trap_accounts");
      s.execute("CREATE TABLE trap_accounts (id INT PRIMARY KEY, name TEXT, secret TEXT)");
      s.execute("CREATE OR REPLACE TABLE warden_unlisted (id INT)");
      // Views over the masked column, read into the catalog when the first session starts.
      s.execute("CREATE OR REPLACE VIEW trap_view AS SELECT id, name, secret FROM trap_accounts");
      s.execute(
          "CREATE OR REPLACE VIEW trap_derived AS SELECT id, CONCAT('s:', secret) AS s"
              + " FROM trap_accounts");
    }
    Path policy = Files.createTempFile("warden-traps", ".json");
    Files.writeString(policy, POLICY);
    // Plain text on loopback for the hand-made sessions (MysqlWire); drivers use TLS.
    warden =
        MysqlFixture.start(policy, new Slf4jAuditLog(), "tls:\n  allowPlaintextOnLoopback: true\n");
  }

  @AfterAll
  static void stop() {
    if (warden != null) {
      warden.close();
    }
  }

  @BeforeEach
  void rows() throws Exception {
    try (Connection c = MysqlFixture.direct();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM trap_accounts");
      s.execute("INSERT INTO trap_accounts VALUES (1, 'ann', 's3cret'), (2, 'bob', 'hunter2')");
    }
  }

  private static Connection agent(boolean multi) throws SQLException {
    Properties props = new Properties();
    if (multi) {
      props.setProperty("allowMultiQueries", "true");
    }
    return warden.connect(warden.agentKey, props);
  }

  private static int accounts() throws SQLException {
    try (Connection c = MysqlFixture.direct();
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM trap_accounts")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void aDropHiddenInAVersionedCommentIsSeenAndRefused() throws Exception {
    try (Connection c = agent(true);
        Statement s = c.createStatement()) {
      for (String sql :
          new String[] {
            "SELECT 1; /*!50000 DROP TABLE trap_accounts */",
            "SELECT 1 /*!50000 ; DROP TABLE trap_accounts */",
            "/*M!100000 DROP TABLE trap_accounts */",
            "/*!DROP TABLE trap_accounts*/",
            // MariaDB's statement-scoped settings carry any statement (Connector/J's setMaxRows).
            "SET STATEMENT max_statement_time=10 FOR DROP TABLE trap_accounts"
          }) {
        assertThatThrownBy(() -> s.execute(sql)).as(sql).hasMessageContaining("no-ddl");
      }
    }
    assertThat(accounts()).isEqualTo(2);
  }

  @Test
  void aStatementUnderSetStatementForIsDecidedAndMaskedAsItself() throws Exception {
    try (Connection c = agent(false);
        Statement s = c.createStatement()) {
      // Connector/J's own row cap wraps the read in SET STATEMENT ... FOR: still masked.
      s.setMaxRows(1);
      try (ResultSet rs = s.executeQuery("SELECT secret FROM trap_accounts ORDER BY id")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("[REDACTED]");
      }
      // The policy allows no DELETE: hidden behind statement-scoped settings, still refused.
      assertThatThrownBy(
              () -> s.execute("SET STATEMENT max_statement_time=10 FOR DELETE FROM trap_accounts"))
          .hasMessageContaining("warden:");
    }
    assertThat(accounts()).isEqualTo(2);
  }

  @Test
  void aMaskedColumnHiddenInAVersionedCommentIsMasked() throws Exception {
    try (Connection c = agent(false);
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT /*!50000 secret, */ name FROM trap_accounts WHERE id = 1")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("[REDACTED]");
      assertThat(rs.getString(2)).isEqualTo("ann");
    }
  }

  @Test
  void aViewOverAMaskedColumnIsMaskedAsItsColumnIs() throws Exception {
    try (Connection c = agent(false);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT name, secret FROM trap_view WHERE id = 1")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("ann");
        assertThat(rs.getString(2)).isEqualTo("[REDACTED]");
      }
      // Computed from the masked column inside the view: masked whole.
      try (ResultSet rs = s.executeQuery("SELECT s FROM trap_derived WHERE id = 1")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("[REDACTED]");
      }
    }
  }

  @Test
  void aBackslashEscapedQuoteDoesNotEndTheString() throws Exception {
    try (Connection c = agent(true);
        Statement s = c.createStatement()) {
      // The server reads one string here; the DROP inside it is text.
      try (ResultSet rs = s.executeQuery("SELECT 'a\\'; DROP TABLE trap_accounts; -- ' AS t")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("a'; DROP TABLE trap_accounts; -- ");
      }
      // And a comment runs to the end of its line only.
      try (ResultSet rs = s.executeQuery("SELECT 1 # ; DROP TABLE trap_accounts\n AS one")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
    assertThat(accounts()).isEqualTo(2);
  }

  @Test
  void settingsThatChangeHowTextIsReadAreRefused() throws Exception {
    try (Connection c = agent(false);
        Statement s = c.createStatement()) {
      for (String sql :
          new String[] {
            "SET sql_mode = 'ANSI_QUOTES'",
            "SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')",
            "SET @@session.sql_mode = (SELECT 'ANSI')",
            "SET NAMES gbk",
            "SET character_set_client = 'sjis'"
          }) {
        assertThatThrownBy(() -> s.execute(sql)).as(sql).hasMessageContaining("parser-settings");
      }
      // The session still reads text as Warden does.
      try (ResultSet rs = s.executeQuery("SELECT @@session.sql_mode")) {
        rs.next();
        assertThat(rs.getString(1)).doesNotContain("ANSI_QUOTES").doesNotContain("NO_BACKSLASH");
      }
      // A neutral change is a session setting like any other.
      s.execute("SET sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')");
    }
  }

  @Test
  void aSessionStartsWithoutTheModesThatChangeHowTextIsRead() throws Exception {
    String global;
    try (Connection c = MysqlFixture.direct();
        ResultSet rs = c.createStatement().executeQuery("SELECT @@global.sql_mode")) {
      rs.next();
      global = rs.getString(1);
    }
    try (Connection c = MysqlFixture.direct()) {
      c.createStatement()
          .execute(
              "SET GLOBAL sql_mode = CONCAT(@@global.sql_mode, ',ANSI_QUOTES,NO_BACKSLASH_ESCAPES')");
    }
    try (Connection c = agent(false);
        ResultSet rs = c.createStatement().executeQuery("SELECT @@session.sql_mode, \"x\"")) {
      rs.next();
      assertThat(rs.getString(1)).doesNotContain("ANSI_QUOTES").doesNotContain("NO_BACKSLASH");
      // A double-quoted string is a string, as Warden's parser read it.
      assertThat(rs.getString(2)).isEqualTo("x");
    } finally {
      try (Connection c = MysqlFixture.direct();
          var ps = c.prepareStatement("SET GLOBAL sql_mode = ?")) {
        ps.setString(1, global);
        ps.execute();
      }
    }
  }

  @Test
  void severalStatementsInOneStringAreDecidedPartByPart() throws Exception {
    try (Connection c = agent(true);
        Statement s = c.createStatement()) {
      assertThatThrownBy(
              () ->
                  s.execute(
                      "UPDATE trap_accounts SET name = 'x' WHERE id = 1; DROP TABLE trap_accounts"))
          .hasMessageContaining("no-ddl");
      // Nothing of the string ran: not even its allowed first part.
      try (ResultSet rs = s.executeQuery("SELECT name FROM trap_accounts WHERE id = 1")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("ann");
      }
      // Allowed parts run together, each result returned.
      assertThat(s.execute("SELECT name FROM trap_accounts WHERE id = 1; SELECT 2")).isTrue();
      assertThat(s.getMoreResults()).isTrue();
    }
  }

  @Test
  void whatReachesOutsideTheDatabaseIsRefused() throws Exception {
    try (Connection c = agent(false);
        Statement s = c.createStatement()) {
      for (String sql :
          new String[] {
            "SELECT LOAD_FILE('/etc/passwd')",
            "SELECT name FROM trap_accounts INTO OUTFILE '/tmp/warden-trap-out'",
            "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE trap_accounts",
            "SET GLOBAL max_connections = 1",
            "CALL mysql.some_procedure()",
            "HANDLER trap_accounts OPEN",
            "DO SLEEP(0)",
            "SELECT GET_LOCK('warden', 0)"
          }) {
        assertThatThrownBy(() -> s.execute(sql))
            .as(sql)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("warden:");
      }
      // The session survives every refusal.
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM trap_accounts")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
    }
  }

  @Test
  void killStopsTheCallersOwnStatementAndNothingElse() throws Exception {
    // The gateway's database user is shared by every session: a KILL forwarded as written could
    // reach any of them. Warden resolves the connection ids it gave its clients instead.
    try (Connection victim = agent(false);
        Statement sleeping = victim.createStatement()) {
      long wardenId = ((org.mariadb.jdbc.Connection) victim).getThreadId();
      long databaseId;
      try (ResultSet rs = sleeping.executeQuery("SELECT CONNECTION_ID()")) {
        rs.next();
        databaseId = rs.getLong(1);
      }
      assertThat(databaseId).isNotEqualTo(wardenId);
      // Another identity cannot stop the agent's statement; nor can anyone name the database's
      // thread id, or KILL in any other form.
      try (Connection other = warden.connect(warden.approverKey, new Properties());
          Statement s = other.createStatement()) {
        assertThatThrownBy(() -> s.execute("KILL QUERY " + wardenId))
            .hasMessageContaining("kill-session")
            .hasMessageContaining("no session of yours");
        assertThatThrownBy(() -> s.execute("KILL " + wardenId))
            .hasMessageContaining("kill-session");
      }
      try (Connection c = agent(true);
          Statement s = c.createStatement()) {
        for (String sql :
            new String[] {
              "KILL QUERY " + databaseId,
              "KILL CONNECTION " + databaseId,
              "KILL /* x */ " + wardenId,
              "SELECT 1; KILL " + wardenId
            }) {
          assertThatThrownBy(() -> s.execute(sql)).as(sql).hasMessageContaining("kill-session");
        }
        // MariaDB's other forms do not parse with the grammar Warden reads: refused all the same.
        assertThatThrownBy(() -> s.execute("KILL USER root")).hasMessageContaining("warden:");
        assertThatThrownBy(() -> c.prepareStatement("KILL ?").execute())
            .isInstanceOf(SQLException.class);
      }
      try (ResultSet again = sleeping.executeQuery("SELECT 1")) {
        assertThat(again.next()).isTrue();
      }
      // The driver's own cancel (a second connection sending KILL QUERY with the id it got when
      // it connected) stops the agent's statement: SLEEP returns 1 when interrupted.
      var running =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try (ResultSet rs = sleeping.executeQuery("SELECT SLEEP(60)")) {
                  rs.next();
                  return rs.getString(1);
                } catch (SQLException e) {
                  return e.getMessage();
                }
              });
      awaitRunning("SELECT SLEEP(60)", running);
      sleeping.cancel();
      assertThat(running.get(30, java.util.concurrent.TimeUnit.SECONDS))
          .satisfiesAnyOf(
              r -> assertThat(r).isEqualTo("1"),
              r -> assertThat(r).containsIgnoringCase("interrupt"));
      try (ResultSet again = sleeping.executeQuery("SELECT 2")) {
        assertThat(again.next()).isTrue();
      }
      // KILL CONNECTION on one's own session ends it.
      try (Connection c = agent(false)) {
        c.createStatement().execute("KILL CONNECTION " + wardenId);
      }
      assertThatThrownBy(() -> sleeping.executeQuery("SELECT 3")).isInstanceOf(SQLException.class);
    }
  }

  /**
   * COM_CHANGE_USER (MySQL Connector/J's changeUser) re-authenticates on the same connection: the
   * new token decides who the session is from then on, the database session starts over, and a
   * wrong token ends the connection.
   */
  @Test
  void aChangeOfUserMakesTheSessionTheNewIdentitysAndStartsItOver() throws Exception {
    try (Connection c = warden.connect("mysql", warden.agentKey, new Properties());
        Statement s = c.createStatement()) {
      s.execute("SET @left_behind = 1");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM trap_accounts")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
      ((com.mysql.cj.jdbc.JdbcConnection) c).changeUser("approver", warden.approverKey);
      try (Statement t = c.createStatement()) {
        // The approver's roles (dba) grant no reads here: the same text is now refused.
        assertThatThrownBy(() -> t.executeQuery("SELECT count(*) FROM trap_accounts"))
            .hasMessageContaining("warden: denied");
      }
      // Back to the agent: its grants again, in a database session that started over.
      ((com.mysql.cj.jdbc.JdbcConnection) c).changeUser("agent", warden.agentKey);
      try (ResultSet rs =
          c.createStatement()
              .executeQuery(
                  "SELECT count(*), @left_behind IS NULL, DATABASE() FROM trap_accounts")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(2);
        assertThat(rs.getBoolean(2)).as("the database session was reset").isTrue();
        assertThat(rs.getString(3)).isEqualTo(MysqlFixture.DATABASE);
      }
      // A wrong key: refused, and the connection ends.
      assertThatThrownBy(
              () -> ((com.mysql.cj.jdbc.JdbcConnection) c).changeUser("agent", "wk_not_a_key"))
          .isInstanceOf(SQLException.class)
          .hasMessageNotContaining("wk_not_a_key");
      assertThatThrownBy(() -> c.createStatement().executeQuery("SELECT 1"))
          .isInstanceOf(SQLException.class);
    }
  }

  /** Waits (bounded) until MariaDB runs a statement starting with {@code text}. */
  private static void awaitRunning(String text, java.util.concurrent.Future<String> running)
      throws Exception {
    try (Connection c = MysqlFixture.direct()) {
      Running.await(c, Running.MYSQL, text, running);
    }
  }

  /**
   * COM_FIELD_LIST (what the interactive mysql client sends for each table to complete column
   * names) is decided as SHOW COLUMNS FROM the table: allowed where the policy allows that, with
   * the database's column definitions; refused, by rule, where it does not.
   */
  @Test
  void aFieldListIsDecidedAsShowColumns() throws Exception {
    try (MysqlWire wire = MysqlWire.login(warden.port, warden.agentKey, "test")) {
      List<byte[]> fields = wire.command(0x04, "trap_accounts\0");
      assertThat(fields).hasSize(4);
      assertThat(MysqlWire.text(fields.get(0))).contains("trap_accounts").contains("id");
      assertThat(MysqlWire.text(fields.get(2))).contains("secret");
      assertThat(fields.get(3)[0]).isEqualTo((byte) 0xFE);
      List<byte[]> refused = wire.command(0x04, "warden_unlisted\0");
      assertThat(refused).hasSize(1);
      assertThat(MysqlWire.text(refused.getFirst())).contains("warden: denied by rule");
      // The session goes on.
      assertThat(wire.command(0x0E, "").getFirst()[0]).isEqualTo((byte) 0);
    }
  }

  /**
   * COM_RESET_CONNECTION (a pool's reset between borrowers) keeps the session's schema and brings
   * back the server's global sql_mode: Warden keeps resolving names where the database does, and
   * takes the text-changing modes out again.
   */
  @Test
  void aResetKeepsTheSchemaAndTheReadableMode() throws Exception {
    try (Connection c = MysqlFixture.direct();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE IF NOT EXISTS trap_other");
      s.execute("CREATE OR REPLACE TABLE trap_other.trap_accounts (id INT, name TEXT)");
      s.execute("INSERT INTO trap_other.trap_accounts VALUES (1, 'other')");
    }
    String global;
    try (Connection c = MysqlFixture.direct();
        ResultSet rs = c.createStatement().executeQuery("SELECT @@global.sql_mode")) {
      rs.next();
      global = rs.getString(1);
    }
    // MariaDB Connector/J restores the schema itself after a reset: by hand, the bare command.
    try {
      try (MysqlWire wire = MysqlWire.login(warden.port, warden.agentKey, "test")) {
        assertThat(wire.command(0x03, "USE trap_other").getFirst()[0]).isEqualTo((byte) 0);
        try (Connection d = MysqlFixture.direct()) {
          d.createStatement()
              .execute("SET GLOBAL sql_mode = CONCAT(@@global.sql_mode, ',ANSI_QUOTES')");
        }
        assertThat(wire.command(0x1F, "").getFirst()[0]).isEqualTo((byte) 0);
        // Still in trap_other for the database, so for Warden too: the policy allows test.trap_*
        // only, and this update is refused, naming the table it would have written.
        byte[] update = wire.command(0x03, "UPDATE trap_accounts SET name = 'x'").getFirst();
        assertThat(MysqlWire.text(update)).contains("trap_other.trap_accounts");
        // A double-quoted string is a string again, as Warden's parser reads it.
        List<byte[]> read = wire.command(0x03, "SELECT \"x\" = 'x'");
        assertThat(read.getFirst()[0]).as(MysqlWire.text(read.getFirst())).isEqualTo((byte) 1);
        assertThat(MysqlWire.text(read.get(2))).contains("1");
      }
    } finally {
      try (Connection c = MysqlFixture.direct();
          var ps = c.prepareStatement("SET GLOBAL sql_mode = ?")) {
        ps.setString(1, global);
        ps.execute();
      }
    }
    try (Connection c = MysqlFixture.direct();
        ResultSet rs =
            c.createStatement().executeQuery("SELECT name FROM trap_other.trap_accounts")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("other");
    }
  }

  @Test
  void aMaskedValueCopiedIntoAVariableIsRefused() throws Exception {
    try (Connection c = agent(false);
        Statement s = c.createStatement()) {
      assertThatThrownBy(
              () -> s.execute("SELECT secret INTO @leak FROM trap_accounts WHERE id = 1"))
          .hasMessageContaining("warden:");
      assertThatThrownBy(
              () -> s.execute("SET @leak = (SELECT secret FROM trap_accounts WHERE id = 1)"))
          .hasMessageContaining("warden:");
      try (ResultSet rs = s.executeQuery("SELECT @leak")) {
        rs.next();
        assertThat(rs.getString(1)).isNull();
      }
    }
  }
}
