package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.identity.ServiceKey;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.StoreAuditLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two gateways sharing one PostgreSQL audit store, as replicas behind a load balancer would: a
 * statement held in one is released by an approval given through the other, and a grant made or
 * revoked through one applies in the other.
 */
class ReplicasIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String STORE = "jdbc:postgresql://127.0.0.1:5432/warden_replicas_it";
  static GatewayFixture a;
  static GatewayFixture b;
  static String opsKey;

  @BeforeAll
  static void start() throws Exception {
    try (Connection admin =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS warden_replicas_it WITH (FORCE)");
      s.execute("CREATE DATABASE warden_replicas_it");
    }
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.replicas_it");
      s.execute("CREATE TABLE public.replicas_it (id int PRIMARY KEY)");
      s.execute("INSERT INTO public.replicas_it SELECT generate_series(1, 10)");
    }
    SecureRandom random = new SecureRandom();
    opsKey = ServiceKey.generate(random);
    Path policy = Files.createTempFile("warden-replicas", ".json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{
          "id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [
            {"id": "agent.read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["public.*"]},
            {"id": "agent.session", "classes": ["SESSION", "TRANSACTION"]}
          ],
          "hold": [{"id": "agent.hold-delete", "verbs": ["DELETE"], "objects": ["public.*"], "approvers": ["ops"], "timeout": "60s"}]
        }]}
        """);
    String identities =
        "    - {subject: olga, groups: [ops], keyHash: \""
            + ServiceKey.hash(opsKey, random)
            + "\", connections: [test]}\n"
            + "  roles:\n"
            + "    - {role: agent, match: {subject: agent}}\n"
            + "    - {role: ops, match: {subject: olga}, permissions: [\"grants:manage\"]}\n";
    a = replica(policy, identities);
    b = replica(policy, identities);
  }

  /** A gateway whose audit trail, approvals and grants are in the shared store. */
  static GatewayFixture replica(Path policy, String identities) throws Exception {
    Path keys = Files.createTempDirectory("warden-replica-keys");
    StoreAuditLog audit =
        new StoreAuditLog(
            AuditStore.postgresql(STORE, "postgres", null),
            AuditKeys.loadOrCreate(keys.resolve("audit-signing.key")),
            Clock.systemUTC(),
            1000,
            Duration.ofSeconds(10));
    return GatewayFixture.start(
        Map.of(), "policy: {file: \"" + policy + "\"}\n", identities, audit);
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  static HttpResponse<String> post(GatewayFixture gateway, String path, String body)
      throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .header("Authorization", "Bearer " + opsKey)
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode get(GatewayFixture gateway, String path) throws Exception {
    return JSON.readTree(
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                    .header("Authorization", "Bearer " + opsKey)
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body());
  }

  static boolean exists(int id) throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        var rs = s.executeQuery("SELECT count(*) FROM public.replicas_it WHERE id = " + id)) {
      rs.next();
      return rs.getInt(1) == 1;
    }
  }

  @Test
  void aStatementHeldInOneGatewayRunsWhenApprovedThroughTheOther() throws Exception {
    try (Connection c = a.connectIn("simple")) {
      CompletableFuture<Integer> delete =
          CompletableFuture.supplyAsync(
              () -> {
                try (Statement s = c.createStatement()) {
                  return s.executeUpdate("DELETE FROM public.replicas_it WHERE id = 3 /* rep */");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      String id = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (id == null && System.nanoTime() < deadline) {
        // Listed by the other gateway: the request is in the shared store.
        for (JsonNode r : get(b, "/api/approvals").path("approvals")) {
          if (r.path("sql").asText().contains("/* rep */")) {
            id = r.path("id").asText();
          }
        }
        Thread.sleep(50);
      }
      assertThat(id).as("the request, seen through the other gateway").isNotNull();
      assertThat(post(b, "/api/approvals/" + id + "/approve", "{}").statusCode()).isEqualTo(200);
      assertThat(delete.get(20, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(exists(3)).isFalse();
    }
  }

  @Test
  void aGrantMadeOrRevokedThroughOneGatewayAppliesInTheOther() throws Exception {
    String ddl = "ALTER TABLE public.replicas_it ADD COLUMN IF NOT EXISTS note text";
    try (Connection c = a.connectIn("simple");
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute(ddl)).hasMessageContaining("default-deny");
      HttpResponse<String> created =
          post(
              b,
              "/api/grants",
              "{\"identity\": \"agent\", \"connection\": \"test\", \"classes\": [\"DDL\"],"
                  + " \"objects\": [\"public.replicas_it\"], \"minutes\": 10, \"reason\": \"job"
                  + " 17\"}");
      assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
      String id = JSON.readTree(created.body()).path("id").asText();
      assertThat(eventually(() -> runs(s, ddl), true)).as("the grant reaches gateway a").isTrue();
      assertThat(post(b, "/api/grants/" + id + "/revoke", "{}").statusCode()).isEqualTo(200);
      assertThat(eventually(() -> runs(s, ddl), false))
          .as("the revocation reaches gateway a")
          .isFalse();
    }
  }

  static boolean runs(Statement s, String sql) {
    try {
      s.execute(sql);
      return true;
    } catch (Exception e) {
      assertThat(e.getMessage()).contains("default-deny");
      return false;
    }
  }

  /** Tries for up to 15 seconds until {@code check} gives {@code wanted}; the last answer. */
  static boolean eventually(java.util.function.BooleanSupplier check, boolean wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    boolean last = check.getAsBoolean();
    while (last != wanted && System.nanoTime() < deadline) {
      Thread.sleep(200);
      last = check.getAsBoolean();
    }
    return last;
  }
}
