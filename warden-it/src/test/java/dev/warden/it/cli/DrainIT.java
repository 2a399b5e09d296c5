package dev.warden.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.ServiceKey;
import dev.warden.it.Processes;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/warden gateway} on SIGTERM drains: a statement already running finishes and its client
 * gets its result, a new client is refused with a clear error (SQLSTATE 57P03) instead of a dead
 * port, and the process exits once nothing runs (within limits.drainTimeout). A statement waiting
 * for its approval does not hold the drain up: its request is withdrawn in the store and its client
 * told so.
 */
class DrainIT {
  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static Processes.Result psql(int port, String key, String sql) throws Exception {
    return Processes.run(
        List.of(
            "psql",
            "-X",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "host=127.0.0.1 port=" + port + " dbname=test user=agent sslmode=require",
            "-c",
            sql),
        Map.of("PGPASSWORD", key),
        Duration.ofMinutes(1));
  }

  @Test
  void sigtermLetsRunningStatementsFinishAndRefusesNewSessions() throws Exception {
    Path dir = Files.createTempDirectory("warden-drain-it");
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    int pg = freePort();
    int admin = freePort();
    Path config = dir.resolve("warden.yaml");
    Files.writeString(
        config,
        """
        listen:
          postgres: {host: 127.0.0.1, port: %d}
          admin: {host: 127.0.0.1, port: %d}
        dataDir: %s
        limits: {drainTimeout: 30s}
        connections:
          test: {host: 127.0.0.1, port: 5432, database: test, user: postgres}
        identities:
          serviceKeys:
            - {subject: agent, keyHash: "%s", connections: ["*"]}
        """
            .formatted(pg, admin, dir.resolve("data"), ServiceKey.hash(key, random)));
    Process gateway = launch(dir, config);
    try {
      awaitReady(admin, dir);
      CompletableFuture<Processes.Result> running =
          psqlLater(pg, key, "SELECT pg_sleep(3), 'finished'");
      awaitRunning("SELECT pg_sleep(3)");
      gateway.destroy(); // SIGTERM
      // A new client hears why, not a refused connection.
      Processes.Result refused = null;
      for (int i = 0; i < 50; i++) {
        refused = psql(pg, key, "SELECT 1");
        if (refused.exitCode() != 0) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(refused.exitCode()).isNotZero();
      assertThat(refused.stderr()).contains("shutting down");
      Processes.Result finished = running.get(60, TimeUnit.SECONDS);
      assertThat(finished.exitCode()).as(finished.toString()).isZero();
      assertThat(finished.stdout()).contains("finished");
      assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(dir.resolve("gateway.log"))).contains("drained: 0 statements");
    } finally {
      gateway.destroyForcibly();
    }
  }

  /** {@code bin/warden gateway --config config}, its output in dir/gateway.log. */
  static Process launch(Path dir, Path config) throws Exception {
    return new ProcessBuilder(
            LauncherIT.LAUNCHER.getPath(), "gateway", "--config", config.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("gateway.log").toFile())
        .start();
  }

  /** {@link #psql} in the background. */
  static CompletableFuture<Processes.Result> psqlLater(int port, String key, String sql) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return psql(port, key, sql);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
  }

  /** Waits (bounded) until the gateway's /ready answers 200. */
  static void awaitReady(int admin, Path dir) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    boolean ready = false;
    for (int i = 0; i < 300 && !ready; i++) {
      try {
        ready =
            http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .statusCode()
                == 200;
      } catch (java.io.IOException e) {
        // not listening yet
      }
      if (!ready) {
        Thread.sleep(100);
      }
    }
    assertThat(ready).as(Files.readString(dir.resolve("gateway.log"))).isTrue();
  }

  @Test
  void sigtermWithdrawsAStatementWaitingForApprovalAndTellsItsClient() throws Exception {
    try (Connection c =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE IF NOT EXISTS public.drain_it_held (id int)");
    }
    Path dir = Files.createTempDirectory("warden-drain-held-it");
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    String opsKey = ServiceKey.generate(random);
    int pg = freePort();
    int admin = freePort();
    Path config = dir.resolve("warden.yaml");
    Files.writeString(
        config,
        """
        listen:
          postgres: {host: 127.0.0.1, port: %d}
          admin: {host: 127.0.0.1, port: %d}
        dataDir: %s
        limits: {drainTimeout: 30s}
        policy:
          inline: {"version": 1, "grants": [{"id": "agent", "roles": ["agent"], "connections": ["test"],
            "allow": [{"id": "agent.all", "classes": ["READ", "WRITE", "SESSION", "TRANSACTION"]}],
            "hold": [{"id": "agent.hold-delete", "verbs": ["DELETE"], "objects": ["public.*"], "approvers": ["ops"], "timeout": "120s"}]}]}
        connections:
          test: {host: 127.0.0.1, port: 5432, database: test, user: postgres}
        identities:
          serviceKeys:
            - {subject: agent, keyHash: "%s", connections: ["*"]}
            - {subject: olga, groups: [ops], keyHash: "%s", connections: ["*"]}
          roles:
            - {role: agent, match: {subject: agent}}
            - {role: ops, match: {subject: olga}, permissions: ["approvals:read"]}
        """
            .formatted(
                pg,
                admin,
                dir.resolve("data"),
                ServiceKey.hash(key, random),
                ServiceKey.hash(opsKey, random)));
    Process gateway = launch(dir, config);
    try {
      awaitReady(admin, dir);
      CompletableFuture<Processes.Result> held =
          psqlLater(pg, key, "DELETE FROM public.drain_it_held");
      // Until the request is pending (listed by the admin API).
      HttpClient http = HttpClient.newHttpClient();
      String pending = "";
      for (int i = 0; i < 200 && !pending.contains("\"pending\""); i++) {
        pending =
            http.send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + admin + "/api/approvals"))
                        .header("Authorization", "Bearer " + opsKey)
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body();
        Thread.sleep(100);
      }
      assertThat(pending).contains("\"pending\"");
      gateway.destroy(); // SIGTERM
      Processes.Result told = held.get(60, TimeUnit.SECONDS);
      assertThat(told.exitCode()).isNotZero();
      assertThat(told.stderr())
          .contains("withdrawn")
          .contains("shutting down")
          .contains("run the statement again");
      assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.readString(dir.resolve("gateway.log"))).contains("drained: 0 statements");
    } finally {
      gateway.destroyForcibly();
    }
    // The trail says why: cancelled because the gateway shut down, not because the client left.
    StringBuilder trail = new StringBuilder();
    try (var store = dev.warden.store.AuditStore.sqlite(dir.resolve("data/audit.db"))) {
      store.forEach(0, r -> trail.append(r.payload()).append('\n'));
    }
    assertThat(trail.toString()).contains("the gateway is shutting down");
  }

  /** Waits (bounded) until PostgreSQL runs a statement starting with {@code text}. */
  static void awaitRunning(String text) throws Exception {
    try (Connection c =
        DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "")) {
      dev.warden.it.Running.await(c, dev.warden.it.Running.POSTGRES, text, null);
    }
  }
}
