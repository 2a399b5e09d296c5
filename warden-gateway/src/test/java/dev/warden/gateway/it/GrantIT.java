package dev.warden.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.identity.ServiceKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Just-in-time grants: DDL the policy does not allow runs during a grant's window, and no longer
 * once it expires or is revoked; every use is recorded; only callers with grants:manage create
 * them.
 */
class GrantIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final AttributionIT.RecordingAuditLog audit = new AttributionIT.RecordingAuditLog();
  static GatewayFixture fixture;
  static String opsKey;

  @BeforeAll
  static void start() throws Exception {
    SecureRandom random = new SecureRandom();
    opsKey = ServiceKey.generate(random);
    Path policy = Files.createTempFile("warden-grants", ".json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{
          "id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [
            {"id": "agent.rw", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT"], "objects": ["public.*"]},
            {"id": "agent.session", "classes": ["SESSION", "TRANSACTION"]}
          ],
          "deny": [{"id": "deny.drop", "verbs": ["DROP *"]}]
        }]}
        """);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policy + "\"}\n",
            "    - {subject: olga, groups: [ops], keyHash: \""
                + ServiceKey.hash(opsKey, random)
                + "\", connections: [test]}\n"
                + "  roles:\n"
                + "    - {role: agent, match: {subject: agent}}\n"
                + "    - {role: ops, match: {subject: olga}, permissions: [\"grants:manage\"]}\n",
            audit);
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.grant_it");
      s.execute("CREATE TABLE public.grant_it (id int)");
    }
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  static HttpResponse<String> post(String path, String key, String body) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.adminPort() + path))
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  static String grant(int seconds) throws Exception {
    HttpResponse<String> r =
        post(
            "/api/grants",
            opsKey,
            "{\"identity\": \"agent\", \"connection\": \"test\", \"classes\": [\"DDL\"],"
                + " \"objects\": [\"public.grant_it\"], \"seconds\": "
                + seconds
                + ", \"reason\": \"job 4711\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("id").asText();
  }

  @Test
  void aGrantAllowsDdlDuringItsWindowOnlyAndEveryUseIsRecorded() throws Exception {
    try (Connection c = fixture.connectIn("simple");
        Statement s = c.createStatement()) {
      String ddl = "ALTER TABLE public.grant_it ADD COLUMN IF NOT EXISTS note text";
      assertThatThrownBy(() -> s.execute(ddl)).hasMessageContaining("denied by rule default-deny");
      // Only a caller with grants:manage creates grants.
      assertThat(
              post(
                      "/api/grants",
                      fixture.agentKey,
                      "{\"identity\": \"agent\", \"connection\": \"test\", \"classes\": [\"DDL\"],"
                          + " \"minutes\": 5, \"reason\": \"me\"}")
                  .statusCode())
          .isEqualTo(403);
      String id = grant(2);
      s.execute(ddl); // in the window
      // A grant never lifts a deny rule of the policy.
      assertThatThrownBy(() -> s.execute("DROP TABLE public.grant_it"))
          .hasMessageContaining("denied by rule deny.drop");
      Thread.sleep(2500);
      assertThatThrownBy(() -> s.execute(ddl)).hasMessageContaining("denied by rule default-deny");
      assertThat(
              audit.events.stream()
                  .filter(e -> e instanceof AuditEvent.GrantChanged g && g.grantId().equals(id))
                  .map(e -> ((AuditEvent.GrantChanged) e).step())
                  .toList())
          .containsExactly("created", "used");
      assertThat(audit.decided())
          .anySatisfy(d -> assertThat(d.decision().rule()).isEqualTo("grant:" + id));
      // Revoked: over at once.
      String second = grant(600);
      s.execute(ddl);
      HttpResponse<String> revoked = post("/api/grants/" + second + "/revoke", opsKey, "{}");
      assertThat(revoked.statusCode()).isEqualTo(200);
      JsonNode r = JSON.readTree(revoked.body());
      assertThat(r.path("state").asText()).isEqualTo("revoked");
      assertThat(r.path("revokedBy").asText()).isEqualTo("olga");
      assertThatThrownBy(() -> s.execute(ddl)).hasMessageContaining("denied by rule default-deny");
    }
  }
}
