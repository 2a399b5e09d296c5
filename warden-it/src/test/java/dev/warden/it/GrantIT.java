package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.audit.AuditEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
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
  static IdentityProvider idp;
  static String agentToken;
  static String opsKey;

  @BeforeAll
  static void start() throws Exception {
    idp = IdentityProvider.start(IdentityProvider.ISSUER_ID);
    opsKey = idp.token("olga", List.of("ops"));
    agentToken = idp.token("agent", List.of("code-assistant"));
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
            "  oidc:\n    issuers:\n"
                + idp.issuerYaml(IdentityProvider.ISSUER_ID)
                + "  roles:\n"
                + "    - {role: agent, match: {subject: agent}, connections: [test]}\n"
                + "    - {role: ops, match: {groups: [ops]}, permissions: [\"grants:manage\"]}\n",
            audit);
    BadInputIT.waitFor(() -> fixture.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.grant_it");
      s.execute("CREATE TABLE public.grant_it (id int)");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    idp.close();
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
    try (Connection c = fixture.connectIn("simple", agentToken);
        Statement s = c.createStatement()) {
      String ddl = "ALTER TABLE public.grant_it ADD COLUMN IF NOT EXISTS note text";
      assertThatThrownBy(() -> s.execute(ddl)).hasMessageContaining("denied by rule default-deny");
      // Only a caller with grants:manage creates grants.
      assertThat(
              post(
                      "/api/grants",
                      agentToken,
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

  @Test
  void aGrantToAGroupAppliesToItsMembersOnly() throws Exception {
    HttpResponse<String> created =
        post(
            "/api/grants",
            opsKey,
            "{\"group\": \"code-assistant\", \"connection\": \"test\", \"classes\": [\"DDL\"],"
                + " \"objects\": [\"public.grant_it\"], \"minutes\": 5, \"reason\": \"job 4712\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    String id = JSON.readTree(created.body()).path("id").asText();
    String ddl = "ALTER TABLE public.grant_it ADD COLUMN IF NOT EXISTS by_group text";
    // The agent's token says it is in group code-assistant.
    try (Connection c = fixture.connectIn("simple", agentToken);
        Statement s = c.createStatement()) {
      s.execute(ddl);
    }
    // Another agent outside the group: not covered.
    String outsider = idp.token("agent", List.of("reporting"));
    try (Connection c = fixture.connectIn("simple", outsider);
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute(ddl)).hasMessageContaining("denied by rule default-deny");
    }
    assertThat(post("/api/grants/" + id + "/revoke", opsKey, "{}").statusCode()).isEqualTo(200);
  }
}
