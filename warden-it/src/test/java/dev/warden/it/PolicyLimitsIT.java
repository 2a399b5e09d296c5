package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.audit.Slf4jAuditLog;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * The policy's limits through the gateway, with pgJDBC in both protocols and psql: results are cut
 * at maxRowsReturned (also across fetch-size batches and COPY) with a warning naming the rule; a
 * write affecting more than maxRowsAffected is rolled back, in autocommit and inside a transaction
 * block (whose COMMIT then commits nothing); statementTimeout is the session's and cannot be
 * lifted. Then hot reload: a changed policy file applies to open sessions, an invalid one is
 * rejected and shown on the admin API while the old version stays in force.
 */
class PolicyLimitsIT {
  static final String POLICY =
      """
      {"version": 1, "grants": [{
        "id": "agent-on-test", "roles": ["agent"], "connections": ["test"],
        "allow": [
          {"id": "agent.read-write", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"], "objects": ["public.*"]},
          {"id": "agent.copy", "classes": ["COPY"], "verbs": ["COPY", "COPY TO STDOUT", "COPY FROM STDIN"], "objects": ["public.*"]},
          {"id": "agent.transactions", "classes": ["TRANSACTION"]},
          {"id": "agent.session", "classes": ["SESSION"], "verbs": ["SET", "SHOW"]}
        ],
        "limits": {"maxRowsReturned": 5, "maxRowsAffected": 3, "statementTimeout": "1500ms"}
      }]}
      """;

  static GatewayFixture fixture;
  static Path policyFile;

  @BeforeAll
  static void start() throws Exception {
    policyFile = Files.createTempFile("warden-policy", ".json");
    Files.writeString(policyFile, POLICY);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policyFile + "\", reloadInterval: 100ms}\n",
            "  roles:\n"
                + "    - {role: agent, match: {subject: agent}}\n"
                + "    - {role: auditor, match: {subject: restricted}, permissions: [\"policy:read\"]}\n",
            new Slf4jAuditLog());
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @BeforeEach
  void twentyRows() throws Exception {
    Files.writeString(policyFile, POLICY);
    String hash =
        java.util.HexFormat.of()
            .formatHex(
                java.security.MessageDigest.getInstance("SHA-256")
                    .digest(POLICY.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    awaitPolicy(
        p -> p.matches("(?s).*\"current\":\\{\"version\":\\d+,\"sha256\":\"" + hash + ".*"));
    try (Connection direct = direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.limit_items");
      s.execute("CREATE TABLE public.limit_items (id int PRIMARY KEY, qty int NOT NULL)");
      s.execute("INSERT INTO public.limit_items SELECT g, 0 FROM generate_series(1, 20) g");
    }
  }

  static Connection direct() throws SQLException {
    return GatewayFixture.direct();
  }

  static Connection connect(String mode) throws SQLException {
    return fixture.connectIn(mode);
  }

  /** Rows, and the sum of qty, as the database has them (not through Warden). */
  static long[] state() throws SQLException {
    try (Connection direct = direct();
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), sum(qty) FROM public.limit_items")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  static int count(ResultSet rs) throws SQLException {
    int n = 0;
    while (rs.next()) {
      n++;
    }
    return n;
  }

  static String warnings(SQLWarning warning) {
    StringBuilder out = new StringBuilder();
    for (SQLWarning w = warning; w != null; w = w.getNextWarning()) {
      out.append(w.getMessage()).append('\n');
    }
    return out.toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void resultsAreCutAtTheRowLimitWithAWarningNamingTheRule(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT * FROM public.limit_items ORDER BY id")) {
        assertThat(count(rs)).isEqualTo(5);
      }
      assertThat(warnings(s.getWarnings()))
          .contains("warden: result truncated to 5 rows by rule agent.read-write");
      // Under the limit: every row, no warning.
      s.clearWarnings();
      try (ResultSet rs = s.executeQuery("SELECT * FROM public.limit_items WHERE id <= 4")) {
        assertThat(count(rs)).isEqualTo(4);
      }
      assertThat((Object) s.getWarnings()).isNull();
      // Each statement of a multi-statement string has its own limit.
      if (mode.equals("simple")) {
        assertThat(
                s.execute(
                    "SELECT * FROM public.limit_items; SELECT * FROM public.limit_items WHERE id < 3"))
            .isTrue();
        assertThat(count(s.getResultSet())).isEqualTo(5);
        assertThat(s.getMoreResults()).isTrue();
        assertThat(count(s.getResultSet())).isEqualTo(2);
      }
    }
  }

  @Test
  void fetchSizeBatchesDoNotResetTheRowLimit() throws Exception {
    try (Connection c = connect("extended")) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.setFetchSize(2);
        try (ResultSet rs = s.executeQuery("SELECT * FROM public.limit_items ORDER BY id")) {
          assertThat(count(rs)).isEqualTo(5);
        }
      }
      c.commit();
    }
  }

  @Test
  void copyOutIsCutAtTheRowLimitToo() throws Exception {
    try (Connection c = connect("extended")) {
      StringWriter out = new StringWriter();
      long rows =
          new CopyManager(c.unwrap(BaseConnection.class))
              .copyOut("COPY public.limit_items TO STDOUT", out);
      assertThat(out.toString().lines()).hasSize(5);
      assertThat(rows).isEqualTo(5);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void aWriteOverTheAffectedRowsLimitIsRolledBackInAutocommit(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("UPDATE public.limit_items SET qty = 1"))
          .isInstanceOf(SQLException.class)
          .satisfies(
              e -> {
                assertThat(((SQLException) e).getSQLState()).isEqualTo("54000");
                assertThat(e.getMessage())
                    .contains("the UPDATE affected 20 rows, more than the 3 allowed")
                    .contains("rule agent.read-write")
                    .contains("rolled back");
              });
      assertThat(state()).containsExactly(20, 0);
      // Within the limit the write commits, and the session goes on.
      assertThat(s.executeUpdate("UPDATE public.limit_items SET qty = 1 WHERE id <= 3"))
          .isEqualTo(3);
      assertThat(state()).containsExactly(20, 3);
      assertThatThrownBy(
              () ->
                  s.executeUpdate(
                      "INSERT INTO public.limit_items SELECT g, 7 FROM generate_series(100, 110) g"))
          .hasMessageContaining("the INSERT affected 11 rows");
      assertThat(state()).containsExactly(20, 3);
      assertThat(s.executeUpdate("INSERT INTO public.limit_items VALUES (200, 5)")).isEqualTo(1);
      assertThat(state()).containsExactly(21, 8);
      assertThat(c.getAutoCommit()).isTrue();
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM public.limit_items")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(21);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void aWriteOverTheLimitInsideATransactionFailsItAndCommitCommitsNothing(String mode)
      throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      assertThat(s.executeUpdate("INSERT INTO public.limit_items VALUES (300, 9)")).isEqualTo(1);
      assertThatThrownBy(() -> s.executeUpdate("UPDATE public.limit_items SET qty = 2"))
          .hasMessageContaining("more than the 3 allowed");
      // The database answers COMMIT of a failed transaction with ROLLBACK: the INSERT is gone too.
      c.commit();
      assertThat(state()).containsExactly(20, 0);
      // The session is usable after the failed transaction.
      c.setAutoCommit(true);
      assertThat(s.executeUpdate("UPDATE public.limit_items SET qty = 4 WHERE id = 1"))
          .isEqualTo(1);
      assertThat(state()).containsExactly(20, 4);
    }
  }

  @Test
  void aPipelinedBatchStopsAtTheWriteOverTheLimit() throws Exception {
    try (Connection c = connect("extended");
        Statement s = c.createStatement()) {
      s.addBatch("UPDATE public.limit_items SET qty = 1 WHERE id = 1");
      s.addBatch("UPDATE public.limit_items SET qty = 1");
      s.addBatch("UPDATE public.limit_items SET qty = 1 WHERE id = 2");
      assertThatThrownBy(s::executeBatch).hasMessageContaining("more than the 3 allowed");
      // pgJDBC runs an autocommit batch as one implicit transaction: nothing of it remains.
      assertThat(state()).containsExactly(20, 0);
    }
  }

  @Test
  void copyInOverTheLimitIsRolledBack() throws Exception {
    try (Connection c = connect("extended")) {
      CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
      assertThatThrownBy(
              () ->
                  copy.copyIn(
                      "COPY public.limit_items FROM STDIN",
                      new StringReader("101\t1\n102\t1\n103\t1\n104\t1\n")))
          .hasMessageContaining("the COPY affected 4 rows");
      assertThat(state()).containsExactly(20, 0);
      assertThat(
              copy.copyIn(
                  "COPY public.limit_items FROM STDIN", new StringReader("101\t1\n102\t1\n")))
          .isEqualTo(2);
      assertThat(state()).containsExactly(22, 2);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void theStatementTimeoutIsTheSessionsAndCannotBeLifted(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("SELECT pg_sleep(5)"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("57014"));
      assertThatThrownBy(() -> s.execute("SET statement_timeout = 0"))
          .hasMessageContaining("denied by rule statement-timeout");
      try (ResultSet rs = s.executeQuery("SHOW statement_timeout")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("1500ms");
      }
    }
  }

  @Test
  void psqlSeesTheWarningAndTheLimitError() throws Exception {
    Processes.Result read =
        Processes.run(
            List.of(
                "psql",
                "-X",
                "-At",
                fixture.libpqConnInfo("test"),
                "-c",
                "SELECT id FROM public.limit_items ORDER BY id"),
            Map.of("PGPASSWORD", fixture.agentKey),
            Duration.ofSeconds(30));
    assertThat(read.stdout().lines()).containsExactly("1", "2", "3", "4", "5");
    assertThat(read.stderr()).contains("WARNING:  warden: result truncated to 5 rows");
    Processes.Result write =
        Processes.run(
            List.of(
                "psql",
                "-X",
                fixture.libpqConnInfo("test"),
                "-c",
                "DELETE FROM public.limit_items",
                "-c",
                "UPDATE public.limit_items SET qty = 1"),
            Map.of("PGPASSWORD", fixture.agentKey),
            Duration.ofSeconds(30));
    assertThat(write.stderr()).contains("ERROR:  warden: the UPDATE affected 20 rows");
    assertThat(state()).containsExactly(20, 0);
  }

  @Test
  void aChangedPolicyAppliesToOpenSessionsAndAnInvalidOneIsRejected() throws Exception {
    try (Connection c = connect("extended");
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM public.limit_items WHERE id = 1"))
          .hasMessageContaining("denied by rule default-deny");
      String v1 = policy();
      assertThat(v1).contains("\"version\":1");

      Files.writeString(
          policyFile,
          POLICY.replace(
              "\"SELECT\", \"INSERT\", \"UPDATE\"",
              "\"SELECT\", \"INSERT\", \"UPDATE\", \"DELETE\""));
      String v2 = awaitPolicy(p -> p.contains("\"current\":{\"version\":2"));
      assertThat(v2).contains("\"lastRejection\":null");
      // The same session, without reconnecting, now runs under version 2.
      assertThat(s.executeUpdate("DELETE FROM public.limit_items WHERE id = 1")).isEqualTo(1);

      Files.writeString(
          policyFile, POLICY.replace("\"maxRowsReturned\": 5", "\"maxRowsReturned\": -5"));
      String rejected = awaitPolicy(p -> p.contains("\"lastRejection\":{"));
      assertThat(rejected)
          .contains("\"current\":{\"version\":2")
          .contains("$.grants[0].limits.maxRowsReturned: must be a whole number");
      assertThat(s.executeUpdate("DELETE FROM public.limit_items WHERE id = 2")).isEqualTo(1);
      try (ResultSet rs = s.executeQuery("SELECT * FROM public.limit_items")) {
        assertThat(count(rs)).isEqualTo(5);
      }
      // Both loaded versions are listed with their hashes; each one's text can be fetched.
      assertThat(rejected)
          .containsPattern("\"versions\":\\[\\{\"version\":2,\"sha256\":\"[0-9a-f]{64}\"");
      assertThat(admin("/policy/versions/1").body()).isEqualTo(POLICY);
    }
    assertThat(admin("/policy").statusCode()).isEqualTo(200);
    assertThat(
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + fixture.adminPort() + "/policy"))
                        .header("Authorization", "Bearer " + fixture.agentKey)
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("the agent has no policy:read permission")
        .isEqualTo(403);
  }

  static HttpResponse<String> admin(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.adminPort() + path))
                .header("Authorization", "Bearer " + fixture.restrictedKey)
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  static String policy() throws Exception {
    HttpResponse<String> response = admin("/policy");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  /** Polls GET /policy until it satisfies {@code condition} (at most 10 s). */
  static String awaitPolicy(java.util.function.Predicate<String> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String last = policy();
    while (!condition.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("policy never reached the expected state: " + last);
      }
      Thread.sleep(50);
      last = policy();
    }
    return last;
  }
}
