package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditRecord;
import dev.warden.store.AuditStore;
import dev.warden.store.ChainVerifier;
import dev.warden.store.StoreAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit trail through the gateway, on the SQLite store: every statement of concurrent clients
 * (simple and extended protocol) is recorded exactly once, with its identity and outcome, before it
 * runs; bind parameters are recorded, masked where they must be; the chain verifies.
 */
class AuditIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayFixture fixture;
  static AuditStore store;
  static AuditKeys keys;
  static StoreAuditLog log;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("warden-audit-it");
    store = AuditStore.sqlite(dir.resolve("audit.db"));
    keys = AuditKeys.loadOrCreate(dir.resolve("audit-signing.key"));
    log = new StoreAuditLog(store, keys, Clock.systemUTC(), 500, Duration.ofSeconds(1));
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.audit_it");
      s.execute("CREATE TABLE public.audit_it (client int, n int, secret text)");
    }
    Path policy = dir.resolve("policy.json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{
          "id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [
            {"id": "agent.rw", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT"], "objects": ["public.*"]},
            {"id": "agent.session", "classes": ["SESSION", "TRANSACTION"]}
          ],
          "masks": [{"id": "mask.secret", "columns": ["audit_it.secret"], "strategy": "keep-last", "keep": 4}]
        }]}
        """);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policy + "\"}\n",
            "  roles:\n    - {role: agent, match: {subject: agent}}\n",
            log);
  }

  @AfterAll
  static void stop() {
    fixture.close(); // closes the audit log too
    store.close();
  }

  static List<JsonNode> records(String kind) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    store.forEach(
        1,
        r -> {
          if (r.kind().equals(kind)) {
            try {
              JsonNode node = JSON.readTree(r.payload());
              ((com.fasterxml.jackson.databind.node.ObjectNode) node)
                  .put("_session", r.sessionId());
              ((com.fasterxml.jackson.databind.node.ObjectNode) node)
                  .put("_identity", r.identity());
              out.add(node);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        });
    return out;
  }

  @Test
  void everyStatementOfConcurrentClientsIsRecordedOnceWithItsIdentityAndOutcome() throws Exception {
    int clients = 6;
    int statements = 150;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<?>> done = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      done.add(
          pool.submit(
              () -> {
                try (Connection conn = fixture.connectIn(client % 2 == 0 ? "simple" : "extended")) {
                  try (PreparedStatement ps =
                      conn.prepareStatement(
                          "INSERT INTO public.audit_it (client, n) VALUES (?, ?)")) {
                    for (int i = 0; i < statements; i++) {
                      ps.setInt(1, client);
                      ps.setInt(2, i);
                      assertThat(ps.executeUpdate()).isEqualTo(1);
                    }
                  }
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    // Every insert the database holds has exactly one statement record, and an outcome.
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM public.audit_it")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(clients * statements);
    }
    List<JsonNode> inserts =
        records("statement").stream()
            .filter(r -> r.path("sql").asText().startsWith("INSERT INTO public.audit_it"))
            .toList();
    assertThat(inserts).hasSize(clients * statements);
    assertThat(inserts)
        .allSatisfy(
            r -> {
              assertThat(r.path("_identity").asText()).isEqualTo("agent");
              assertThat(r.path("decision").asText()).isEqualTo("allow");
              // Extended protocol: the values are bind parameters, recorded with the statement;
              // simple: pgJDBC wrote them into the text.
              assertThat(r.path("parameters").size())
                  .isEqualTo(r.path("sql").asText().contains("$1") ? 2 : 0);
            });
    // Outcomes are written after the fact, with the next batch or within milliseconds.
    Map<String, JsonNode> outcomes = new HashMap<>();
    for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); ; Thread.sleep(20)) {
      for (JsonNode o : records("outcome")) {
        outcomes.put(o.path("_session").asText() + "/" + o.path("statement").asLong(), o);
      }
      boolean all =
          inserts.stream()
              .allMatch(
                  r ->
                      outcomes.containsKey(
                          r.path("_session").asText() + "/" + r.path("statement").asLong()));
      if (all || System.nanoTime() > until) {
        break;
      }
    }
    for (JsonNode r : inserts) {
      JsonNode outcome =
          outcomes.get(r.path("_session").asText() + "/" + r.path("statement").asLong());
      assertThat(outcome).as("outcome of %s", r).isNotNull();
      assertThat(outcome.path("rows").asLong()).isEqualTo(1);
    }
    // Each (client, n) ran once: text and parameters identify every execution.
    assertThat(
            inserts.stream()
                .map(r -> r.path("sql").asText() + "/" + r.path("parameters"))
                .distinct()
                .count())
        .isEqualTo(clients * statements);
    ChainVerifier.Report report = ChainVerifier.verify(store, List.of(keys.publicKey()));
    assertThat(report.ok()).as(report.problem()).isTrue();
  }

  @Test
  void regulatedValuesInStatementsAndParametersAreMaskedInTheRecord() throws Exception {
    String card = "4556-7375-8689-9855";
    try (Connection c = fixture.connectIn("extended");
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO public.audit_it (client, n, secret) VALUES (-1, -1, ?)")) {
      ps.setString(1, "card " + card);
      ps.executeUpdate();
      try (Statement s = c.createStatement()) {
        s.execute("SELECT 'ssn 123-45-6789 and " + card.replace("-", "") + "'");
      }
    }
    StringBuilder all = new StringBuilder();
    store.forEach(1, r -> all.append(r.payload()).append('\n'));
    // The parameter went into a masked column: recorded with that column's mask. The SQL text's
    // values went through the classifiers.
    assertThat(all.toString())
        .doesNotContain(card)
        .doesNotContain(card.replace("-", ""))
        .doesNotContain("123-45-6789")
        .contains("****-****-****-9855");
  }

  @Test
  void aStatementDeniedByPolicyIsRecordedAsDenied() throws Exception {
    try (Connection c = fixture.connectIn("simple");
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("SELEC 1")).hasMessageContaining("denied");
    }
    // A denial never reaches the database, so its record is not waited for: give the writer a
    // moment (bounded).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (records("statement").stream().noneMatch(r -> r.path("sql").asText().equals("SELEC 1"))
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(records("statement"))
        .anySatisfy(
            r -> {
              assertThat(r.path("sql").asText()).isEqualTo("SELEC 1");
              assertThat(r.path("decision").asText()).isEqualTo("deny");
            });
  }

  @Test
  void noticesAreRecordedWithTheStatementTheyCameWith() throws Exception {
    try (Connection c = fixture.connectIn("simple");
        Statement s = c.createStatement()) {
      s.execute("COMMIT"); // outside a transaction: the server warns
      assertThat(String.valueOf(s.getWarnings())).contains("no transaction in progress");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (records("outcome").stream()
            .noneMatch(r -> r.path("messages").toString().contains("no transaction in progress"))
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(records("outcome"))
        .anySatisfy(
            r ->
                assertThat(r.path("messages").toString())
                    .contains("WARNING: there is no transaction in progress"));
  }

  @Test
  void eachStatementOfAStringOfSeveralKeepsItsOwnResult() throws Exception {
    try (Connection c = fixture.connectIn("simple");
        Statement s = c.createStatement()) {
      s.execute("SELECT 1 AS one; SELECT 'two' AS second, 3 AS third /* several */");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (records("outcome").stream().noneMatch(r -> r.has("results"))
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    JsonNode outcome =
        records("outcome").stream().filter(r -> r.has("results")).findFirst().orElseThrow();
    JsonNode results = outcome.path("results");
    assertThat(results).hasSize(2);
    assertThat(results.get(0).path("columns").toString()).isEqualTo("[\"one\"]");
    assertThat(results.get(0).path("result").toString()).isEqualTo("[[\"1\"]]");
    assertThat(results.get(0).path("tag").asText()).isEqualTo("SELECT 1");
    assertThat(results.get(1).path("columns").toString()).isEqualTo("[\"second\",\"third\"]");
    assertThat(results.get(1).path("result").toString()).isEqualTo("[[\"two\",\"3\"]]");
    // The fields every reader knows hold the first result.
    assertThat(outcome.path("columns").toString()).isEqualTo("[\"one\"]");
  }

  static List<AuditRecord> all() throws Exception {
    List<AuditRecord> out = new ArrayList<>();
    store.forEach(1, out::add);
    return out;
  }
}
