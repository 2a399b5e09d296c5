package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.audit.Slf4jAuditLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Held statements wait inside the client's own session for a person: approved, they run and the
 * client gets its normal result; denied or expired, they never run and the client is told why and
 * by whom; the requester and non-approvers cannot decide; a client that goes away withdraws its
 * request; held statements of several sessions are decided independently. Everyone signs in with a
 * token of a real OIDC issuer on loopback: the agent's sessions (pgJDBC, psql) and the approvers'
 * API calls.
 */
class ApprovalIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static GatewayFixture fixture;
  static IdentityProvider idp;
  static String agentToken;
  static String approverKey;
  static String bystanderKey;
  static String secondApproverKey;
  static ExecutorService clients = Executors.newCachedThreadPool();

  @BeforeAll
  static void start() throws Exception {
    idp = IdentityProvider.start(IdentityProvider.ISSUER_ID, IdentityProvider.SECOND_ISSUER_ID);
    agentToken = idp.token("agent", List.of("code-assistant"));
    approverKey = idp.token("dana", List.of("dba"));
    secondApproverKey = idp.token("dave", List.of("dba"));
    bystanderKey = idp.token("bob", List.of("developers"));
    Path policy = Files.createTempFile("warden-approvals", ".json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{
          "id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [
            {"id": "agent.rw", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"], "objects": ["public.*"]},
            {"id": "agent.session", "classes": ["SESSION", "TRANSACTION"]}
          ],
          "hold": [
            {"id": "agent.hold-delete", "verbs": ["DELETE"], "objects": ["public.*"], "approvers": ["dba"], "timeout": "60s"},
            {"id": "agent.hold-ddl", "classes": ["DDL"], "approvers": ["dba"], "timeout": "2s"},
            {"id": "agent.ask-update", "verbs": ["UPDATE"], "objects": ["public.approval_ask"], "mode": "ask", "approvers": ["dba"], "timeout": "60s"},
            {"id": "agent.hold-two", "verbs": ["UPDATE"], "objects": ["public.approval_it"], "approvers": ["dba"], "approvals": 2, "timeout": "60s"},
            {"id": "agent.hold-elsewhere", "verbs": ["DELETE"], "objects": ["*.approval_elsewhere"], "approvers": ["dba"], "timeout": "60s"}
          ]
        }]}
        """);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policy + "\"}\napprovals: {keepAlive: 1s}\n",
            "  oidc:\n    issuers:\n"
                + idp.issuerYaml(IdentityProvider.ISSUER_ID)
                + idp.issuerYaml(IdentityProvider.SECOND_ISSUER_ID)
                + "  roles:\n"
                + "    - {role: agent, match: {subject: agent}, connections: [test]}\n",
            new Slf4jAuditLog());
    BadInputIT.waitFor(() -> fixture.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
  }

  @AfterAll
  static void stop() throws Exception {
    clients.shutdownNow();
    fixture.close();
    idp.close();
  }

  @BeforeEach
  void table() throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.approval_it");
      s.execute("CREATE TABLE public.approval_it (id int PRIMARY KEY)");
      s.execute("INSERT INTO public.approval_it SELECT generate_series(1, 20)");
      s.execute("ANALYZE public.approval_it");
      s.execute("DROP TABLE IF EXISTS public.approval_ask");
      s.execute("CREATE TABLE public.approval_ask (id int PRIMARY KEY, n int)");
      s.execute("INSERT INTO public.approval_ask VALUES (1, 0), (2, 0)");
    }
  }

  static boolean exists(int id) throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM public.approval_it WHERE id = " + id)) {
      rs.next();
      return rs.getInt(1) == 1;
    }
  }

  /**
   * The request of a client that went away is cancelled (waiting up to 20 s), can no longer be
   * approved, and its DELETE of row {@code row} never ran.
   */
  static void assertCancelledAndNotRun(String id, int row) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!request(id).path("state").asText().equals("cancelled")
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(request(id).path("state").asText()).isEqualTo("cancelled");
    assertThat(api("POST", "/api/approvals/" + id + "/approve", approverKey, null).statusCode())
        .isEqualTo(409);
    assertThat(exists(row)).isTrue();
  }

  /** Whether table approval_it has the column (a held ALTER TABLE ran). */
  static boolean hasColumn(String column) throws Exception {
    try (Connection direct = GatewayFixture.direct();
        PreparedStatement ps =
            direct.prepareStatement(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'approval_it'"
                    + " AND column_name = ?")) {
      ps.setString(1, column);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 1;
      }
    }
  }

  static HttpResponse<String> api(String method, String path, String key, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.adminPort() + path))
            .header("Authorization", "Bearer " + key)
            .timeout(Duration.ofSeconds(10));
    request =
        method.equals("POST")
            ? request.POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body))
            : request.GET();
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The pending requests whose statement contains {@code marker}, waiting up to 20 s for n. */
  static List<JsonNode> pending(String marker, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      List<JsonNode> found = new ArrayList<>();
      for (JsonNode r :
          JSON.readTree(api("GET", "/api/approvals", approverKey, null).body()).path("approvals")) {
        if (r.path("sql").asText().contains(marker)) {
          found.add(r);
        }
      }
      if (found.size() >= n || System.nanoTime() > deadline) {
        return found;
      }
      Thread.sleep(50);
    }
  }

  static JsonNode request(String id) throws Exception {
    return JSON.readTree(api("GET", "/api/approvals/" + id, approverKey, null).body());
  }

  /** Runs an update on its own thread (it blocks while held); its count, or the error. */
  static CompletableFuture<Object> update(Connection c, String sql, Integer parameter) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (parameter != null) {
              ps.setInt(1, parameter);
            }
            return ps.executeUpdate();
          } catch (Exception e) {
            return e;
          }
        },
        clients);
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void approvedTheStatementRunsInItsSessionAndTheClientGetsItsResult(String mode) throws Exception {
    try (Connection c = fixture.connectIn(mode, agentToken)) {
      CompletableFuture<Object> delete =
          update(c, "DELETE FROM public.approval_it WHERE id = 3 /* approve-" + mode + " */", null);
      List<JsonNode> held = pending("approve-" + mode, 1);
      assertThat(held).hasSize(1);
      assertThat(delete).isNotDone();
      assertThat(exists(3)).as("nothing runs before the approval").isTrue();
      JsonNode r = held.getFirst();
      assertThat(r.path("requester").asText()).isEqualTo("agent");
      assertThat(r.path("rule").asText()).isEqualTo("agent.hold-delete");
      HttpResponse<String> approved =
          api(
              "POST",
              "/api/approvals/" + r.path("id").asText() + "/approve",
              approverKey,
              "{\"comment\": \"ticket 42\"}");
      assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
      assertThat(delete.get(20, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(exists(3)).isFalse();
      // The session goes on as usual.
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void deniedTheStatementNeverRunsAndTheClientIsToldByWhom(String mode) throws Exception {
    try (Connection c = fixture.connectIn(mode, agentToken)) {
      CompletableFuture<Object> delete =
          update(c, "DELETE FROM public.approval_it WHERE id = 4 /* deny-" + mode + " */", null);
      JsonNode r = pending("deny-" + mode, 1).getFirst();
      assertThat(
              api(
                      "POST",
                      "/api/approvals/" + r.path("id").asText() + "/deny",
                      approverKey,
                      "{\"comment\": \"not on a Friday\"}")
                  .statusCode())
          .isEqualTo(200);
      Object outcome = delete.get(20, TimeUnit.SECONDS);
      assertThat(outcome).isInstanceOf(java.sql.SQLException.class);
      assertThat(((Exception) outcome).getMessage())
          .contains("denied by rule agent.hold-delete")
          .contains("was denied by dana: not on a Friday");
      assertThat(exists(4)).isTrue();
    }
  }

  @org.junit.jupiter.api.Test
  void aRequestNobodyDecidesExpiresAndNothingRuns() throws Exception {
    try (Connection c = fixture.connectIn("simple", agentToken)) {
      CompletableFuture<Object> alter =
          update(c, "ALTER TABLE public.approval_it ADD COLUMN expired_note text", null);
      Object outcome = alter.get(30, TimeUnit.SECONDS);
      assertThat(outcome).isInstanceOf(java.sql.SQLException.class);
      assertThat(((Exception) outcome).getMessage()).contains("expired").contains("nothing ran");
    }
    assertThat(hasColumn("expired_note")).as("nothing ran").isFalse();
  }

  @org.junit.jupiter.api.Test
  void theRequesterAndNonApproversCannotDecide() throws Exception {
    try (Connection c = fixture.connectIn("extended", agentToken)) {
      CompletableFuture<Object> delete =
          update(c, "DELETE FROM public.approval_it WHERE id = 5 /* self */", null);
      String id = pending("/* self */", 1).getFirst().path("id").asText();
      HttpResponse<String> self =
          api("POST", "/api/approvals/" + id + "/approve", agentToken, null);
      assertThat(self.statusCode()).isEqualTo(403);
      assertThat(self.body()).contains("requester cannot approve");
      HttpResponse<String> bystander =
          api("POST", "/api/approvals/" + id + "/approve", bystanderKey, null);
      assertThat(bystander.statusCode()).isEqualTo(403);
      assertThat(bystander.body()).contains("may not decide");
      assertThat(request(id).path("state").asText()).isEqualTo("pending");
      // The same subject from another issuer is someone else: it does not see the request.
      String namesake =
          idp.token(
              IdentityProvider.SECOND_ISSUER_ID,
              Map.of("sub", "agent", "aud", List.of("warden"), "groups", List.of("x")),
              Duration.ofMinutes(10));
      assertThat(api("GET", "/api/approvals/" + id, namesake, null).statusCode()).isEqualTo(404);
      assertThat(api("GET", "/api/approvals/" + id, agentToken, null).statusCode()).isEqualTo(200);
      assertThat(delete).isNotDone();
      assertThat(api("POST", "/api/approvals/" + id + "/deny", approverKey, null).statusCode())
          .isEqualTo(200);
      assertThat(delete.get(20, TimeUnit.SECONDS)).isInstanceOf(java.sql.SQLException.class);
      // Decided once: a second word is refused.
      assertThat(api("POST", "/api/approvals/" + id + "/approve", approverKey, null).statusCode())
          .isEqualTo(409);
    }
  }

  @org.junit.jupiter.api.Test
  void anApprovalIsBoundToItsParameters() throws Exception {
    try (Connection c = fixture.connectIn("extended", agentToken)) {
      String sql = "DELETE FROM public.approval_it WHERE id = ? /* bound */";
      CompletableFuture<Object> five = update(c, sql, 5);
      JsonNode r = pending("/* bound */", 1).getFirst();
      assertThat(r.path("parameters").toString()).contains("00000005");
      // The planner's estimate, with the bound parameter, for the approver.
      assertThat(r.path("estimate").path("rows").asLong()).isEqualTo(1);
      assertThat(r.path("estimate").path("plan").asText()).startsWith("Delete on approval_it");
      api("POST", "/api/approvals/" + r.path("id").asText() + "/approve", approverKey, null);
      assertThat(five.get(20, TimeUnit.SECONDS)).isEqualTo(1);
      // The same statement with 6 is a new request; the approval of 5 does not carry over.
      CompletableFuture<Object> six = update(c, sql, 6);
      List<JsonNode> again = pending("/* bound */", 1);
      assertThat(again).hasSize(1);
      assertThat(again.getFirst().path("id").asText()).isNotEqualTo(r.path("id").asText());
      assertThat(again.getFirst().path("parameters").toString()).contains("00000006");
      assertThat(six).isNotDone();
      api(
          "POST",
          "/api/approvals/" + again.getFirst().path("id").asText() + "/deny",
          approverKey,
          null);
      assertThat(six.get(20, TimeUnit.SECONDS)).isInstanceOf(java.sql.SQLException.class);
      assertThat(exists(5)).isFalse();
      assertThat(exists(6)).isTrue();
    }
  }

  @org.junit.jupiter.api.Test
  void aClientThatDisconnectsWhileWaitingCancelsItsRequest() throws Exception {
    Connection c = fixture.connectIn("simple", agentToken);
    CompletableFuture<Object> delete =
        update(c, "DELETE FROM public.approval_it WHERE id = 7 /* leaving */", null);
    String id = pending("/* leaving */", 1).getFirst().path("id").asText();
    c.abort(Runnable::run); // the client goes away without a word
    assertCancelledAndNotRun(id, 7);
    delete.get(20, TimeUnit.SECONDS);
  }

  @org.junit.jupiter.api.Test
  void tenHeldStatementsAcrossSessionsAreDecidedIndependently() throws Exception {
    List<Connection> sessions = new ArrayList<>();
    List<CompletableFuture<Object>> deletes = new ArrayList<>();
    try {
      for (int i = 0; i < 10; i++) {
        Connection c = fixture.connectIn(i % 2 == 0 ? "simple" : "extended", agentToken);
        sessions.add(c);
        deletes.add(
            update(
                c, "DELETE FROM public.approval_it WHERE id = " + (10 + i) + " /* ten */", null));
      }
      List<JsonNode> held = pending("/* ten */", 10);
      assertThat(held).hasSize(10);
      // Decide in an order unrelated to the order they were asked: ids ending in an odd digit
      // approved, the others denied.
      List<JsonNode> shuffled = new ArrayList<>(held);
      java.util.Collections.shuffle(shuffled, new java.util.Random(7));
      for (JsonNode r : shuffled) {
        int id = Integer.parseInt(r.path("sql").asText().replaceAll(".*id = (\\d+).*", "$1"));
        api(
            "POST",
            "/api/approvals/" + r.path("id").asText() + (id % 2 == 1 ? "/approve" : "/deny"),
            approverKey,
            null);
      }
      for (int i = 0; i < 10; i++) {
        int id = 10 + i;
        Object outcome = deletes.get(i).get(20, TimeUnit.SECONDS);
        if (id % 2 == 1) {
          assertThat(outcome).as("id %d", id).isEqualTo(1);
          assertThat(exists(id)).isFalse();
        } else {
          assertThat(outcome).as("id %d", id).isInstanceOf(java.sql.SQLException.class);
          assertThat(exists(id)).isTrue();
        }
      }
    } finally {
      for (Connection c : sessions) {
        c.close();
      }
    }
  }

  static int n(int id) throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT n FROM public.approval_ask WHERE id = " + id)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @org.junit.jupiter.api.Test
  void askThenRetryRunsTheApprovedStatementOnceWithItsParametersOnly() throws Exception {
    String sql = "UPDATE public.approval_ask SET n = n + 1 WHERE id = ?";
    try (Connection c = fixture.connectIn("extended", agentToken)) {
      Object first = update(c, sql, 1).get(20, TimeUnit.SECONDS);
      assertThat(first).isInstanceOf(java.sql.SQLException.class);
      String message = ((Exception) first).getMessage();
      assertThat(message).contains("needs approval: request apr_").contains("was opened");
      String id = message.replaceAll("(?s).*request (apr_[0-9a-f]+).*", "$1");
      // Asking again before the approval: the same request, still pending; nothing ran.
      assertThat(((Exception) update(c, sql, 1).get(20, TimeUnit.SECONDS)).getMessage())
          .contains(id + " is still pending");
      assertThat(n(1)).isZero();
      assertThat(api("POST", "/api/approvals/" + id + "/approve", approverKey, null).statusCode())
          .isEqualTo(200);
      // Other parameters are another statement: not approved.
      Object other = update(c, sql, 2).get(20, TimeUnit.SECONDS);
      assertThat(other).isInstanceOf(java.sql.SQLException.class);
      assertThat(((Exception) other).getMessage()).doesNotContain(id).contains("was opened");
      // The approved one runs — once.
      assertThat(update(c, sql, 1).get(20, TimeUnit.SECONDS)).isEqualTo(1);
      Object again = update(c, sql, 1).get(20, TimeUnit.SECONDS);
      assertThat(again).isInstanceOf(java.sql.SQLException.class);
      assertThat(((Exception) again).getMessage()).doesNotContain(id).contains("was opened");
      assertThat(n(1)).isEqualTo(1);
      assertThat(n(2)).isZero();
      assertThat(request(id).path("state").asText()).isEqualTo("executed");
    }
  }

  @org.junit.jupiter.api.Test
  void aRuleThatNeedsTwoApproversWaitsForTwoDifferentOnes() throws Exception {
    try (Connection c = fixture.connectIn("simple", agentToken)) {
      CompletableFuture<Object> update =
          update(c, "UPDATE public.approval_it SET id = 120 WHERE id = 20 /* two */", null);
      JsonNode r = pending("/* two */", 1).getFirst();
      String id = r.path("id").asText();
      assertThat(r.path("approvalsNeeded").asInt()).isEqualTo(2);
      assertThat(api("POST", "/api/approvals/" + id + "/approve", approverKey, null).statusCode())
          .isEqualTo(200);
      assertThat(request(id).path("state").asText()).isEqualTo("pending");
      assertThat(update).isNotDone();
      // The same approver twice is not two approvals.
      assertThat(api("POST", "/api/approvals/" + id + "/approve", approverKey, null).statusCode())
          .isEqualTo(409);
      assertThat(
              api("POST", "/api/approvals/" + id + "/approve", secondApproverKey, null)
                  .statusCode())
          .isEqualTo(200);
      assertThat(update.get(20, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(exists(120)).isTrue();
    }
  }

  /** psql as the agent, with its OIDC token: the exit code and everything it printed. */
  static CompletableFuture<String> psql(String sql) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            ProcessBuilder pb =
                new ProcessBuilder(
                        "psql",
                        "-X",
                        "-At",
                        "-v",
                        "ON_ERROR_STOP=1",
                        fixture.libpqConnInfo("test"),
                        "-c",
                        sql)
                    .redirectErrorStream(true);
            pb.environment().put("PGPASSWORD", agentToken);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
              p.destroyForcibly();
              return "timeout\n" + out;
            }
            return p.exitValue() + "\n" + out;
          } catch (Exception e) {
            return "failed: " + e;
          }
        },
        clients);
  }

  @org.junit.jupiter.api.Test
  void psqlWaitsForTheApprovalSeesTheEstimateAndGetsItsResult() throws Exception {
    CompletableFuture<String> delete =
        psql("DELETE FROM public.approval_it WHERE id > 12 AND id <= 15 /* psql-approve */");
    JsonNode r = pending("psql-approve", 1).getFirst();
    assertThat(r.path("mode").asText()).isEqualTo("wait");
    assertThat(r.path("estimate").path("rows").asLong())
        .as("the planner's estimate of rows deleted (the table is analyzed)")
        .isEqualTo(3);
    assertThat(delete).isNotDone();
    assertThat(exists(13)).isTrue();
    assertThat(
            api(
                    "POST",
                    "/api/approvals/" + r.path("id").asText() + "/approve",
                    approverKey,
                    "{\"comment\": \"cleanup ticket 7\"}")
                .statusCode())
        .isEqualTo(200);
    String out = delete.get(60, TimeUnit.SECONDS);
    assertThat(out).startsWith("0\n").contains("waiting for approval " + r.path("id").asText());
    assertThat(out).contains("DELETE 3");
    assertThat(exists(13)).isFalse();
    assertThat(exists(16)).isTrue();
    // Operators see approvals in the metrics.
    String metrics =
        HTTP.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + fixture.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains("warden_approvals_total{outcome=\"run\"")
        .contains("warden_approvals_waiting")
        .contains("warden_approvals_estimate_seconds_count");
  }

  @org.junit.jupiter.api.Test
  void psqlIsToldWhoDeniedAndNothingRuns() throws Exception {
    CompletableFuture<String> delete =
        psql("DELETE FROM public.approval_it WHERE id = 2 /* psql-deny */");
    String id = pending("psql-deny", 1).getFirst().path("id").asText();
    api("POST", "/api/approvals/" + id + "/deny", approverKey, "{\"comment\": \"use a view\"}");
    String out = delete.get(60, TimeUnit.SECONDS);
    assertThat(out)
        .startsWith("1\n")
        .contains("denied by rule agent.hold-delete")
        .contains("was denied by dana: use a view");
    assertThat(exists(2)).isTrue();
  }

  @org.junit.jupiter.api.Test
  void psqlIsToldTheRequestExpiredAndNothingRan() throws Exception {
    String out =
        psql("ALTER TABLE public.approval_it ADD COLUMN psql_expired text")
            .get(60, TimeUnit.SECONDS);
    assertThat(out).startsWith("1\n").contains("expired").contains("nothing ran");
    assertThat(hasColumn("psql_expired")).as("nothing ran").isFalse();
  }

  @org.junit.jupiter.api.Test
  void aPsqlKilledWhileWaitingCancelsItsRequest() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "psql",
                "-X",
                fixture.libpqConnInfo("test"),
                "-c",
                "DELETE FROM public.approval_it WHERE id = 8 /* psql-killed */")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PGPASSWORD", agentToken);
    Process p = pb.start();
    try {
      String id = pending("psql-killed", 1).getFirst().path("id").asText();
      p.destroyForcibly(); // SIGKILL: the socket just closes
      assertCancelledAndNotRun(id, 8);
    } finally {
      p.destroyForcibly();
    }
  }

  @org.junit.jupiter.api.Test
  void aWaitingClientIsToldItStillWaits() throws Exception {
    try (Connection c = fixture.connectIn("extended", agentToken);
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM public.approval_it WHERE id = 9 /* keep-alive */")) {
      CompletableFuture<Integer> delete =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return ps.executeUpdate();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              clients);
      String id = pending("keep-alive", 1).getFirst().path("id").asText();
      Thread.sleep(2500); // keepAlive is 1s here
      api("POST", "/api/approvals/" + id + "/approve", approverKey, null);
      assertThat(delete.get(20, TimeUnit.SECONDS)).isEqualTo(1);
      List<String> notices = new ArrayList<>();
      for (var w = ps.getWarnings(); w != null; w = w.getNextWarning()) {
        notices.add(w.getMessage());
      }
      assertThat(notices).anyMatch(n -> n.contains("waiting for approval " + id));
      assertThat(notices.stream().filter(n -> n.contains("still waiting for approval " + id)))
          .hasSizeGreaterThanOrEqualTo(2);
    }
  }

  @org.junit.jupiter.api.Test
  void aStatementThePlannerCannotEstimateStillGetsItsRequestSayingWhy() throws Exception {
    try (Connection c = fixture.connectIn("simple", agentToken)) {
      CompletableFuture<Object> delete =
          update(c, "DELETE FROM public.approval_nowhere WHERE id = 1 /* no-estimate */", null);
      JsonNode r = pending("no-estimate", 1).getFirst();
      assertThat(r.path("estimate").path("rows").isMissingNode()).isTrue();
      assertThat(r.path("estimate").path("unavailable").asText())
          .contains("the planner refused the statement")
          .contains("42P01");
      api("POST", "/api/approvals/" + r.path("id").asText() + "/deny", approverKey, null);
      assertThat(delete.get(20, TimeUnit.SECONDS)).isInstanceOf(java.sql.SQLException.class);
    }
  }

  @org.junit.jupiter.api.Test
  void theEstimateResolvesNamesThroughTheSessionsOwnSearchPath() throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS approval_other");
      s.execute("DROP TABLE IF EXISTS approval_other.approval_elsewhere");
      s.execute("CREATE TABLE approval_other.approval_elsewhere (id int PRIMARY KEY)");
      s.execute("INSERT INTO approval_other.approval_elsewhere SELECT generate_series(1, 10)");
      s.execute("ANALYZE approval_other.approval_elsewhere");
    }
    java.util.Properties props = GatewayFixture.queryMode("simple");
    props.setProperty("password", agentToken);
    props.setProperty("currentSchema", "approval_other,public");
    try (Connection c = fixture.connect("test", props)) {
      CompletableFuture<Object> delete =
          update(c, "DELETE FROM approval_elsewhere WHERE id <= 4 /* elsewhere */", null);
      JsonNode r = pending("/* elsewhere */", 1).getFirst();
      // Found in approval_other, which the database's default path does not hold.
      assertThat(r.path("estimate").path("rows").asLong())
          .as(r.path("estimate").toString())
          .isBetween(2L, 6L);
      assertThat(r.path("estimate").path("plan").asText()).contains("approval_elsewhere");
      api("POST", "/api/approvals/" + r.path("id").asText() + "/deny", approverKey, null);
      assertThat(delete.get(20, TimeUnit.SECONDS)).isInstanceOf(java.sql.SQLException.class);
    }
  }
}
