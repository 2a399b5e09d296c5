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
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A held statement through the MySQL door, in wait mode: MySQL has no asynchronous notices, so the
 * client simply waits in its session; approved, it gets the statement's result; denied, an ERR
 * naming the rule and who denied it — and the statement never reaches MariaDB.
 */
class MysqlHoldIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static MysqlFixture warden;
  private static final ExecutorService CLIENTS = Executors.newCachedThreadPool();

  @BeforeAll
  static void start() throws Exception {
    try (Connection c = MysqlFixture.direct();
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS hold_rows");
      s.execute("CREATE TABLE hold_rows (id INT PRIMARY KEY)");
    }
    Path policy = Files.createTempFile("warden-mysql-hold", ".json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["test"],
          "allow": [{"id": "read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["test.hold_*"]},
                    {"id": "session", "classes": ["SESSION", "TRANSACTION"]}],
          "hold": [{"id": "hold-delete", "verbs": ["DELETE"], "objects": ["test.hold_*"],
                    "approvers": ["dba"], "timeout": "60s"}]}]}
        """);
    warden = MysqlFixture.start(policy, new Slf4jAuditLog(), "");
  }

  @AfterAll
  static void stop() {
    CLIENTS.shutdownNow();
    if (warden != null) {
      warden.close();
    }
  }

  @BeforeEach
  void rows() throws Exception {
    try (Connection c = MysqlFixture.direct();
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM hold_rows");
      s.execute("INSERT INTO hold_rows VALUES (1), (2)");
    }
  }

  @Test
  void approvedTheClientWaitingInItsSessionGetsTheResult() throws Exception {
    try (Connection c = warden.connect(warden.agentKey, new Properties())) {
      CompletableFuture<Object> delete = execute(c, "DELETE FROM hold_rows WHERE id = 1 /* a */");
      String id = pending("/* a */");
      assertThat(delete).isNotDone();
      assertThat(count()).as("nothing runs before the approval").isEqualTo(2);
      assertThat(post("/api/approvals/" + id + "/approve", "{}")).isEqualTo(200);
      assertThat(delete.get(20, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(count()).isEqualTo(1);
      try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM hold_rows")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void deniedTheClientIsToldByWhomAndNothingRuns() throws Exception {
    try (Connection c = warden.connect(warden.agentKey, new Properties())) {
      CompletableFuture<Object> delete = execute(c, "DELETE FROM hold_rows WHERE id = 2 /* d */");
      String id = pending("/* d */");
      assertThat(post("/api/approvals/" + id + "/deny", "{\"comment\": \"not today\"}"))
          .isEqualTo(200);
      Object outcome = delete.get(20, TimeUnit.SECONDS);
      assertThat(outcome).isInstanceOf(java.sql.SQLException.class);
      assertThat(((Exception) outcome).getMessage())
          .contains("hold-delete")
          .contains("approver")
          .contains("not today");
      assertThat(count()).isEqualTo(2);
    }
  }

  private static CompletableFuture<Object> execute(Connection c, String sql) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Statement s = c.createStatement()) {
            return s.executeUpdate(sql);
          } catch (Exception e) {
            return e;
          }
        },
        CLIENTS);
  }

  private static String pending(String marker) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get("/api/approvals");
      for (JsonNode a : JSON.readTree(r.body()).path("approvals")) {
        if (a.path("sql").asText().contains(marker) || a.toString().contains(marker)) {
          return a.path("id").asText();
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no pending request for " + marker);
  }

  private static int count() throws Exception {
    try (Connection c = MysqlFixture.direct();
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM hold_rows")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + warden.adminPort() + path))
            .header("Authorization", "Bearer " + warden.approverKey)
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int post(String path, String body) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + warden.adminPort() + path))
                .header("Authorization", "Bearer " + warden.approverKey)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
