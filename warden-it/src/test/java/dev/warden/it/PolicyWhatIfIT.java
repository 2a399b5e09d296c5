package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.StoreAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code warden policy what-if}: a draft policy tried by the gateway on the statements its trail
 * recorded, before it goes live — which would be held, denied or masked differently, by rule and
 * identity — with the same engine that decides live statements.
 */
class PolicyWhatIfIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  static GatewayFixture fixture;
  static AuditStore store;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("warden-what-if-it");
    store = AuditStore.sqlite(dir.resolve("audit.db"));
    AuditKeys keys = AuditKeys.loadOrCreate(dir.resolve("audit-signing.key"));
    StoreAuditLog log =
        new StoreAuditLog(store, keys, Clock.systemUTC(), 500, Duration.ofSeconds(1));
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.whatif_orders, public.whatif_customers");
      s.execute("CREATE TABLE public.whatif_orders (id int, total int)");
      s.execute("CREATE TABLE public.whatif_customers (id int, email text)");
      s.execute("INSERT INTO public.whatif_orders VALUES (1, 10), (2, 20)");
      s.execute("INSERT INTO public.whatif_customers VALUES (1, 'ann@example.com')");
    }
    Path policy = dir.resolve("policy.json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{"id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [{"id": "read", "classes": ["READ"], "objects": ["public.whatif_*"]},
                    {"id": "write", "classes": ["WRITE"], "objects": ["public.whatif_*"]},
                    {"id": "session", "classes": ["SESSION", "TRANSACTION"]}]}]}
        """);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policy + "\"}\n",
            "  roles:\n    - {role: agent, match: {subject: agent}, permissions: [\"policy:read\"]}\n",
            log);
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
    if (store != null) {
      store.close();
    }
  }

  private static String[] warden(String... args) {
    return Cli.run(args);
  }

  @Test
  void aDraftTriedOnRecordedStatementsSaysWhatWouldChange() throws Exception {
    try (Connection c = fixture.connect();
        Statement s = c.createStatement()) {
      s.executeQuery("SELECT id, total FROM whatif_orders").close();
      s.executeQuery("SELECT id, email FROM whatif_customers").close();
      s.executeUpdate("DELETE FROM whatif_orders WHERE id = 2");
      s.executeUpdate("UPDATE whatif_orders SET total = 11 WHERE id = 1");
    }
    // The draft: deletes wait for a dba, e-mails are masked, customers may no longer be updated.
    Path draft = dir.resolve("draft.json");
    Files.writeString(
        draft,
        """
        {"version": 1, "grants": [{"id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [{"id": "read", "classes": ["READ"], "objects": ["public.whatif_*"]},
                    {"id": "write", "classes": ["WRITE"], "verbs": ["INSERT", "UPDATE"], "objects": ["public.whatif_*"]},
                    {"id": "session", "classes": ["SESSION", "TRANSACTION"]}],
          "hold": [{"id": "hold-delete", "verbs": ["DELETE"], "objects": ["public.*"], "approvers": ["dba"]}],
          "masks": [{"id": "mask-email", "columns": ["public.whatif_customers.email"], "strategy": "redact"}]}]}
        """);
    String[] admin = {
      "--admin-url", "http://127.0.0.1:" + fixture.adminPort(), "--token", fixture.agentKey
    };
    String[] json =
        warden(
            "policy",
            "what-if",
            "--since",
            "1h",
            "--json",
            admin[0],
            admin[1],
            admin[2],
            admin[3],
            draft.toString());
    assertThat(json[0]).as(json[2]).isEqualTo("0");
    JsonNode report = JSON.readTree(json[1]);
    assertThat(report.path("statements").asInt()).isGreaterThanOrEqualTo(4);
    assertThat(report.path("changed").asInt()).isEqualTo(2);
    assertThat(report.path("byKind").path("allow → hold").asInt()).isEqualTo(1);
    assertThat(report.path("byKind").path("masks").asInt()).isEqualTo(1);
    assertThat(report.path("byIdentity").path("agent").asInt()).isEqualTo(2);
    JsonNode held = null;
    JsonNode masked = null;
    for (JsonNode c : report.path("changes")) {
      if (c.path("kind").asText().equals("allow → hold")) {
        held = c;
      } else {
        masked = c;
      }
    }
    assertThat(held.path("sql").asText()).contains("DELETE FROM whatif_orders");
    assertThat(held.path("ruleAfter").asText()).isEqualTo("hold-delete");
    assertThat(masked.path("masksAdded").toString())
        .contains("public.whatif_customers.email (mask-email)");
    // The table as a person reads it.
    String[] table =
        warden(
            "policy",
            "what-if",
            "--since",
            "1h",
            admin[0],
            admin[1],
            admin[2],
            admin[3],
            draft.toString());
    assertThat(table[0]).isEqualTo("0");
    assertThat(table[1]).contains("would change").contains("hold-delete").contains("allow → hold");
    // An invalid draft is refused before anything is tried, naming what is wrong.
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"version\": 1, \"grants\": [{\"id\": \"x\"}]}");
    String[] refused =
        warden("policy", "what-if", admin[0], admin[1], admin[2], admin[3], bad.toString());
    assertThat(refused[0]).isEqualTo("2");
    assertThat(refused[2]).contains("bad.json");
  }
}
