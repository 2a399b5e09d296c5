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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The policy enforced through the gateway, with pgJDBC in both protocols and psql: denials name
 * their rule and leave the session usable; a denial inside a transaction fails it, so COMMIT
 * commits nothing; a multi-statement string with one denied part runs no part; what does not parse
 * is denied and never forwarded.
 */
class PolicyIT {
  static final String POLICY =
      """
      {"version": 1, "volatileFunctions": ["random", "nextval"], "grants": [{
        "id": "agent-on-test", "roles": ["agent"], "connections": ["test"],
        "allow": [
          {"id": "agent.read-write", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"], "objects": ["public.*"]},
          {"id": "agent.transactions", "classes": ["TRANSACTION"]},
          {"id": "agent.session", "classes": ["SESSION"], "verbs": ["SET", "SHOW", "DEALLOCATE"]}
        ],
        "hold": [{"id": "agent.hold-delete", "verbs": ["DELETE"], "approvers": ["dba"], "timeout": "1s"},
                 {"id": "agent.hold-ddl", "classes": ["DDL"], "approvers": ["dba"], "timeout": "1s"}],
        "deny": [{"id": "deny.internal", "objects": ["internal.*"], "reason": "schema internal is off limits"}]
      }, {
        "id": "reader-on-test", "roles": ["reader"], "connections": ["test"],
        "allow": [
          {"id": "reader.read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["public.*", "pg_catalog.*"]},
          {"id": "reader.transactions", "classes": ["TRANSACTION"]},
          {"id": "reader.session", "classes": ["SESSION"], "verbs": ["SET", "SHOW", "RESET"]}
        ]
      }]}
      """;

  static GatewayFixture fixture;
  static Path policyFile;

  @BeforeAll
  static void start() throws Exception {
    try (Connection direct = direct();
        Statement s = direct.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS internal");
      s.execute("DROP TABLE IF EXISTS public.policy_orders, internal.policy_secrets");
      s.execute("CREATE TABLE public.policy_orders (id int PRIMARY KEY, note text)");
      s.execute("CREATE TABLE internal.policy_secrets (id int, secret text)");
      s.execute("INSERT INTO internal.policy_secrets VALUES (1, 'hunter2')");
      s.execute("DROP SEQUENCE IF EXISTS public.policy_seq");
      s.execute("CREATE SEQUENCE public.policy_seq");
    }
    Path policy = Files.createTempFile("warden-policy", ".json");
    Files.writeString(policy, POLICY);
    policyFile = policy;
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policy + "\"}\n",
            "  roles:\n    - {role: agent, match: {subject: agent}}\n    - {role: reader, match: {subject: restricted}}\n",
            new Slf4jAuditLog());
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @BeforeEach
  void empty() throws Exception {
    try (Connection direct = direct();
        Statement s = direct.createStatement()) {
      s.execute("TRUNCATE public.policy_orders");
    }
  }

  static Connection direct() throws SQLException {
    return GatewayFixture.direct();
  }

  static long orders() throws SQLException {
    try (Connection direct = direct();
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM public.policy_orders")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static Connection connect(String mode) throws SQLException {
    return fixture.connectIn(mode);
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void allowedAndDeniedStatementsAndTheSessionGoesOn(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO public.policy_orders VALUES (1, 'ok')");
      assertThatThrownBy(() -> s.executeQuery("SELECT secret FROM internal.policy_secrets"))
          .isInstanceOf(SQLException.class)
          .satisfies(
              e -> {
                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage())
                    .contains("warden: denied by rule deny.internal: schema internal is off limits")
                    .doesNotContain("hunter2");
              });
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM public.policy_orders")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void aDenialInsideATransactionFailsItAndCommitCommitsNothing(String mode) throws Exception {
    try (Connection c = connect(mode)) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO public.policy_orders VALUES (2, 'in a transaction')");
        assertThatThrownBy(() -> s.executeQuery("SELECT * FROM internal.policy_secrets"))
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
        assertThatThrownBy(() -> s.executeQuery("SELECT 1"))
            .as("the transaction is failed, as after any error")
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
      }
      try {
        c.commit();
      } catch (SQLException e) {
        // pgJDBC may report the rollback of a failed transaction; either way nothing commits
      }
    }
    assertThat(orders()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void heldStatementsThatNobodyApprovesNeverRun(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO public.policy_orders VALUES (3, 'keep me')");
      // Held for a person (ApprovalIT decides them); nobody does here, so they expire.
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM public.policy_orders"))
          .isInstanceOf(SQLException.class)
          .satisfies(
              e -> {
                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage())
                    .contains("denied by rule agent.hold-delete")
                    .contains("expired");
              });
      assertThatThrownBy(
              () ->
                  s.executeQuery(
                      "WITH gone AS (DELETE FROM public.policy_orders RETURNING *) SELECT * FROM gone"))
          .satisfies(e -> assertThat(e.getMessage()).contains("agent.hold-delete"));
    }
    assertThat(orders()).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void unparseableStatementsAreDeniedWithTheParsersReason(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("SELEC 1"))
          .isInstanceOf(SQLException.class)
          .satisfies(
              e -> {
                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage()).contains("PostgreSQL's parser rejects it");
              });
      try (ResultSet rs = s.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void unqualifiedNamesResolveThroughTheSessionsSearchPathAndFailClosedOnceItChanges(String mode)
      throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM policy_orders")) {
        assertThat(rs.next()).isTrue();
      }
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM pg_authid"))
          .satisfies(
              e ->
                  assertThat(e.getMessage())
                      .contains("pg_catalog.pg_authid")
                      .contains("not allowed"));
      s.execute("SET search_path = internal, public");
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM policy_secrets"))
          .isInstanceOf(SQLException.class)
          .satisfies(
              e -> {
                assertThat(((SQLException) e).getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage()).contains("default-deny").doesNotContain("hunter2");
              });
      assertThatThrownBy(() -> s.executeQuery("SELECT count(*) FROM policy_orders"))
          .as("after the search path changed, unqualified names are not guessed")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM public.policy_orders")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void aReadOnlyRoleRunsOnAReadOnlyDatabaseSessionAndCannotTurnItOff(String mode) throws Exception {
    Properties props = GatewayFixture.queryMode(mode);
    props.setProperty("password", fixture.restrictedKey);
    try (Connection c = fixture.connect("test", props);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SHOW default_transaction_read_only")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("on");
      }
      for (String escape :
          List.of(
              "SET default_transaction_read_only = off",
              "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
              "BEGIN READ WRITE",
              "SELECT set_config('default_transaction_read_only', 'off', false)")) {
        assertThatThrownBy(() -> s.execute(escape))
            .as(escape)
            .satisfies(e -> assertThat(e.getMessage()).contains("read-only-session"));
      }
      // A write the analysis cannot see: this policy (wrongly) lists nextval as a safe volatile
      // function, yet the read-only database session still refuses it.
      assertThatThrownBy(() -> s.executeQuery("SELECT nextval('public.policy_seq')"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25006"));
    }
    try (Connection c = connect(mode);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW default_transaction_read_only")) {
      rs.next();
      assertThat(rs.getString(1)).as("a role that may write").isEqualTo("off");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void volatileFunctionsNotListedAsSafeAreDeniedAsPossibleWrites(String mode) throws Exception {
    try (Connection direct = direct();
        Statement s = direct.createStatement()) {
      s.execute(
          "CREATE OR REPLACE FUNCTION public.policy_writes() RETURNS int LANGUAGE sql"
              + " AS 'INSERT INTO public.policy_orders VALUES (99, ''sneaky'') RETURNING id'");
      s.execute(
          "CREATE OR REPLACE FUNCTION public.policy_reads() RETURNS bigint LANGUAGE sql STABLE"
              + " AS 'SELECT count(*) FROM public.policy_orders'");
    }
    // The gateway reads each connection's pg_proc when a session starts and its copy is older
    // than a few minutes; a fresh gateway has none yet, so this session reads it.
    try (GatewayFixture fresh =
            GatewayFixture.start(
                Map.of(),
                "policy: {file: \"" + policyFile + "\"}\n",
                "  roles:\n    - {role: agent, match: {subject: agent}}\n",
                new Slf4jAuditLog());
        Connection c = fresh.connect("test", GatewayFixture.queryMode(mode));
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELECT public.policy_writes()"))
          .hasMessageContaining("denied by rule volatile-function")
          .hasMessageContaining("function public.policy_writes is volatile (it may write)");
      assertThatThrownBy(
              () ->
                  s.executeQuery(
                      "SELECT * FROM public.policy_orders WHERE id = public.policy_writes()"))
          .hasMessageContaining("denied by rule volatile-function");
      // Simple protocol: Warden denies it. Extended: the server rejects the Parse (decided at
      // Execute, it never gets that far); either way nothing runs.
      assertThatThrownBy(() -> s.executeQuery("SELECT public.no_such_function()"))
          .hasMessageMatching(
              mode.equals("simple")
                  ? "(?s).*function public.no_such_function is not in the database's catalog.*"
                  : "(?s).*function public.no_such_function\\(\\) does not exist.*");
      assertThatThrownBy(() -> s.executeQuery("SELECT pg_catalog.lo_import('/etc/passwd')"))
          .hasMessageContaining("denied by rule volatile-function");
      try (ResultSet rs = s.executeQuery("SELECT public.policy_reads(), random() < 2")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
        assertThat(rs.getBoolean(2)).isTrue();
      }
    }
    assertThat(orders()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void theServerReadsStringsAsTheParserDoesAndThatCannotBeChanged(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SHOW standard_conforming_strings")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("on");
      }
      assertThatThrownBy(() -> s.execute("SET standard_conforming_strings = off"))
          .hasMessageContaining("denied by rule parser-settings");
      // With it off, the server would read this as a string and then a DROP; Warden's parser
      // reads one string either way, so nothing may turn it off.
      try (ResultSet rs = s.executeQuery("SELECT 'a\\'' ; SELECT 1; --'")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("a\\' ; SELECT 1; --");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void sqlLevelPreparedStatementsAreDecidedAsTheStatementTheyRun(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      s.execute("PREPARE ok_q AS SELECT count(*) FROM public.policy_orders");
      try (ResultSet rs = s.executeQuery("EXECUTE ok_q")) {
        assertThat(rs.next()).isTrue();
      }
      assertThatThrownBy(() -> s.execute("PREPARE bad_q AS SELECT * FROM internal.policy_secrets"))
          .satisfies(e -> assertThat(e.getMessage()).contains("deny.internal"));
      assertThatThrownBy(() -> s.executeQuery("EXECUTE bad_q"))
          .as("never prepared: Warden denies it (42501) rather than the server (26000)")
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
      assertThatThrownBy(() -> s.execute("PREPARE del_q AS DELETE FROM public.policy_orders"))
          .satisfies(e -> assertThat(e.getMessage()).contains("agent.hold-delete"));
      s.execute("DEALLOCATE ok_q");
      assertThatThrownBy(() -> s.executeQuery("EXECUTE ok_q"))
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
    }
  }

  @org.junit.jupiter.api.Test
  void aMultiStatementStringWithOneDeniedPartRunsNoPart() throws Exception {
    try (Connection c = connect("simple");
        Statement s = c.createStatement()) {
      assertThatThrownBy(
              () ->
                  s.execute(
                      "INSERT INTO public.policy_orders VALUES (4, 'x'); SELECT * FROM internal.policy_secrets"))
          .satisfies(e -> assertThat(e.getMessage()).contains("deny.internal"));
    }
    assertThat(orders()).isZero();
  }

  @org.junit.jupiter.api.Test
  void psqlSeesTheRuleAndTheHint() throws Exception {
    Processes.Result denied =
        Processes.run(
            List.of(
                "psql",
                "-X",
                "-v",
                "ON_ERROR_STOP=1",
                fixture.libpqConnInfo("test"),
                "-c",
                "SELECT * FROM internal.policy_secrets"),
            Map.of("PGPASSWORD", fixture.agentKey),
            Duration.ofSeconds(30));
    assertThat(denied.exitCode()).isNotZero();
    assertThat(denied.stderr()).contains("denied by rule deny.internal").doesNotContain("hunter2");
    Processes.Result allowed =
        Processes.run(
            List.of(
                "psql",
                "-X",
                "-At",
                fixture.libpqConnInfo("test"),
                "-c",
                "SELECT count(*) FROM public.policy_orders"),
            Map.of("PGPASSWORD", fixture.agentKey),
            Duration.ofSeconds(30));
    assertThat(allowed.stdout().strip()).isEqualTo("0");
  }
}
