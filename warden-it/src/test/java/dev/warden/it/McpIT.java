package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.RSAKey;
import dev.warden.core.audit.AuditEvent;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The MCP door with the MCP Java SDK's own client, over Streamable HTTP and TLS, in front of the
 * machine's PostgreSQL, with a real OIDC issuer: tokens are checked as on the wire (401 with the
 * resource metadata otherwise), query refuses every way of writing that broke other database MCP
 * servers, the same statement gets the same decision and the same masked cells through MCP as
 * through psql, a held execute runs once approved and never when denied, and each MCP session is an
 * audited session of the caller.
 */
class McpIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POLICY =
      """
      {"version": 1, "grants": [{"id": "assistant", "roles": ["assistant"], "connections": ["test"],
        "allow": [{"id": "read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["public.mcp_*"]},
                  {"id": "write", "classes": ["WRITE"], "verbs": ["INSERT", "UPDATE"], "objects": ["public.mcp_*"]},
                  {"id": "session", "classes": ["SESSION", "TRANSACTION"]}],
        "hold": [{"id": "hold-delete", "verbs": ["DELETE"], "objects": ["public.mcp_*"], "approvers": ["dba"], "timeout": "5m"}],
        "deny": [{"id": "no-ddl", "classes": ["DDL"]}],
        "masks": [{"id": "card", "columns": ["public.mcp_customers.card"], "strategy": "keep-last", "keep": 4}]}]}
      """;

  static final AttributionIT.RecordingAuditLog audit = new AttributionIT.RecordingAuditLog();
  static IdentityProvider idp;
  static GatewayFixture fixture;
  static SSLContext trustDevCa;

  @BeforeAll
  static void start() throws Exception {
    idp = IdentityProvider.start(IdentityProvider.ISSUER_ID);
    fixture = gateway("  maxRows: 50\n");
    trustDevCa = trusting(fixture);
  }

  /** A TLS context that trusts a gateway's development CA. */
  static SSLContext trusting(GatewayFixture gateway) throws Exception {
    return trusting(gateway.caCertificate());
  }

  /** A TLS context that trusts the CA certificate in {@code ca}. */
  static SSLContext trusting(Path ca) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (var in = new FileInputStream(ca.toFile())) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  /** A gateway with the MCP door, the policy above and the issuer; {@code mcp}: its settings. */
  static GatewayFixture gateway(String mcp) throws Exception {
    Path policy = Files.createTempFile("warden-mcp", ".json");
    Files.writeString(policy, POLICY);
    String identities =
        "  oidc:\n    issuers:\n"
            + idp.issuerYaml(IdentityProvider.ISSUER_ID)
            + "  roles:\n"
            + "    - {role: assistant, match: {groups: [code-assistant]}, connections: [test]}\n"
            + "    - {role: dba, match: {groups: [dba]}, connections: [test]}\n";
    GatewayFixture started =
        GatewayFixture.start(
            Map.of(), "policy: {file: \"" + policy + "\"}\nmcp:\n" + mcp, identities, audit);
    BadInputIT.waitFor(() -> started.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
    return started;
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
    if (idp != null) {
      idp.close();
    }
  }

  @BeforeEach
  void rows() throws Exception {
    try (Connection c = GatewayFixture.direct();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE IF NOT EXISTS mcp_customers (id int PRIMARY KEY, name text, card text)");
      s.execute("DELETE FROM mcp_customers");
      s.execute(
          "INSERT INTO mcp_customers VALUES (1, 'Ada', '4111111111111111'),"
              + " (2, 'Bob', '5500000000000004'), (3, NULL, NULL)");
    }
  }

  private static String base() {
    return "https://localhost:" + fixture.mcpPort();
  }

  /** The SDK's client, initialised, with {@code token} as its bearer token. */
  private static McpSyncClient client(String token) {
    return client(fixture, trustDevCa, token);
  }

  private static McpSyncClient client(GatewayFixture gateway, SSLContext trust, String token) {
    return client(gateway.mcpPort(), trust, token);
  }

  /** The MCP Java SDK's client on the MCP door at {@code port}, initialised. */
  static McpSyncClient client(int port, SSLContext trust, String token) {
    HttpClientStreamableHttpTransport transport =
        HttpClientStreamableHttpTransport.builder("https://localhost:" + port)
            .endpoint("/mcp")
            .clientBuilder(HttpClient.newBuilder().sslContext(trust))
            .customizeRequest(b -> b.header("Authorization", "Bearer " + token))
            .build();
    McpSyncClient client =
        McpClient.sync(transport)
            .clientInfo(new McpSchema.Implementation("warden-it", "1.0"))
            .requestTimeout(Duration.ofSeconds(60))
            .initializationTimeout(Duration.ofSeconds(30))
            .build();
    client.initialize();
    return client;
  }

  private static String agentToken() {
    return idp.token("agent-ann", List.of("code-assistant"));
  }

  private static CallToolResult call(McpSyncClient client, String tool, Map<String, Object> args) {
    return client.callTool(new CallToolRequest(tool, args));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> structured(CallToolResult r) {
    return (Map<String, Object>) r.structuredContent();
  }

  private static Map<String, Object> query(McpSyncClient client, String sql) {
    return structured(call(client, "query", Map.of("connection", "test", "sql", sql)));
  }

  private static long customers() throws Exception {
    try (Connection c = GatewayFixture.direct();
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT count(*) FROM mcp_customers WHERE name IS NOT NULL")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void withoutAValidTokenNothingIsServed() throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trustDevCa).build();
    String initialize =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"0\"}}}";
    RSAKey attacker = IdentityProvider.newKey("attacker");
    Map<String, String> tokens = new HashMap<>();
    tokens.put("none", null);
    tokens.put(
        "expired",
        idp.token(
            IdentityProvider.ISSUER_ID,
            Map.of(
                "sub", "agent-ann", "aud", List.of("warden"), "groups", List.of("code-assistant")),
            Duration.ofMinutes(-10)));
    tokens.put(
        "another audience",
        idp.token(
            IdentityProvider.ISSUER_ID,
            Map.of("sub", "agent-ann", "aud", List.of("someone-else"), "groups", List.of("x")),
            Duration.ofHours(1)));
    tokens.put(
        "forged",
        IdentityProvider.sign(
            attacker,
            "attacker",
            IdentityProvider.claims(idp.issuer(), "agent-ann").build(),
            Map.of()));
    for (Map.Entry<String, String> t : tokens.entrySet()) {
      HttpResponse<String> r =
          http.send(
              mcpPost(t.getValue(), null, initialize).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(t.getKey()).isEqualTo(401);
      assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""))
          .as(t.getKey())
          .startsWith(
              "Bearer resource_metadata=\""
                  + base()
                  + "/.well-known/oauth-protected-resource/mcp\"");
      if (t.getValue() != null) {
        assertThat(r.body()).as(t.getKey()).contains("invalid_token").doesNotContain(t.getValue());
      }
    }
    // The metadata names the issuer a standard client gets its token from.
    HttpResponse<String> metadata =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/.well-known/oauth-protected-resource/mcp"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode m = JSON.readTree(metadata.body());
    assertThat(m.path("resource").asText()).isEqualTo(base() + "/mcp");
    assertThat(m.path("authorization_servers").toString()).contains(idp.issuer());
    // The SDK's client with a bad token never gets in.
    assertThatThrownBy(() -> client(tokens.get("forged"))).isInstanceOf(RuntimeException.class);
  }

  /**
   * A handoff ticket is Warden's own: a client that names one it was not given (to pass for an MCP
   * agent with another address, or to ask for a session's options) is refused at login.
   */
  @Test
  void aClientCannotForgeAHandoff() {
    Properties props = new Properties();
    props.setProperty("ApplicationName", "warden-handoff:wh_00112233445566778899aabbccddeeff0011");
    props.setProperty("assumeMinServerVersion", "10");
    assertThatThrownBy(() -> fixture.connect("test", props).close())
        .hasMessageContaining("unknown or spent handoff ticket");
  }

  @Test
  void toolsSayTruthfullyWhatTheyDo() {
    try (McpSyncClient client = client(agentToken())) {
      Map<String, McpSchema.Tool> tools = new HashMap<>();
      client.listTools().tools().forEach(t -> tools.put(t.name(), t));
      assertThat(tools)
          .containsKeys(
              "list_connections",
              "list_schemas",
              "list_tables",
              "describe_table",
              "query",
              "explain",
              "execute",
              "approval_status",
              "wait_for_approval",
              "run_approved");
      assertThat(tools.get("query").annotations().readOnlyHint()).isTrue();
      assertThat(tools.get("query").annotations().destructiveHint()).isFalse();
      assertThat(tools.get("execute").annotations().readOnlyHint()).isFalse();
      assertThat(tools.get("execute").annotations().destructiveHint()).isTrue();
      assertThat(tools.get("query").inputSchema().required()).contains("connection", "sql");
      assertThat(tools.get("query").outputSchema()).isNotNull();
      Map<String, Object> connections = structured(call(client, "list_connections", Map.of()));
      assertThat(connections.get("connections").toString()).contains("name=test");
    }
  }

  @Test
  void tablesAreListedAndDescribedAsTheCallerMayReadThem() throws Exception {
    try (Connection c = GatewayFixture.direct();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS mcp_hidden_notes (id int)");
      s.execute("CREATE TABLE IF NOT EXISTS zz_mcp_not_granted (id int)");
    }
    try (McpSyncClient client = client(agentToken())) {
      String tables =
          String.valueOf(
              structured(call(client, "list_tables", Map.of("connection", "test"))).get("tables"));
      // The policy grants reads of public.mcp_* only: other tables are not listed.
      assertThat(tables).contains("name=mcp_customers").doesNotContain("zz_mcp_not_granted");
      Map<String, Object> described =
          structured(
              call(
                  client,
                  "describe_table",
                  Map.of("connection", "test", "table", "public.mcp_customers")));
      assertThat(described.get("columns").toString())
          .contains("name=card, type=varchar, masked=true, maskRule=card")
          .contains("name=name, type=varchar, masked=false");
      CallToolResult refused =
          call(
              client,
              "describe_table",
              Map.of("connection", "test", "table", "zz_mcp_not_granted"));
      assertThat(refused.isError()).isTrue();
      assertThat(structured(refused).get("rule")).isEqualTo("default-deny");
    }
  }

  @Test
  void aQueryComesBackWithTheMaskedColumnMasked() {
    try (McpSyncClient client = client(agentToken())) {
      Map<String, Object> out =
          query(client, "SELECT id, name, card FROM mcp_customers ORDER BY id");
      assertThat(out.get("rows"))
          .isEqualTo(
              List.of(
                  List.of("1", "Ada", "************1111"),
                  List.of("2", "Bob", "************0004"),
                  java.util.Arrays.asList("3", null, null)));
      // Parameters are bound, and the row cap is said.
      CallToolResult capped =
          call(
              client,
              "query",
              Map.of(
                  "connection",
                  "test",
                  "sql",
                  "SELECT card FROM mcp_customers WHERE id >= ? ORDER BY id",
                  "parameters",
                  List.of(1),
                  "max_rows",
                  1));
      assertThat(capped.isError()).isFalse();
      assertThat(structured(capped).get("rows")).isEqualTo(List.of(List.of("************1111")));
      assertThat(structured(capped).get("truncated")).isEqualTo(true);
    }
  }

  @Test
  void theReadOnlyBypassesThatBrokeOtherDatabaseMcpServersAreRefused() throws Exception {
    try (McpSyncClient client = client(agentToken())) {
      for (String sql :
          new String[] {
            "SELECT 1; DELETE FROM mcp_customers",
            "COMMIT; DELETE FROM mcp_customers",
            "/* read */ DELETE FROM mcp_customers",
            "-- just a read\nUPDATE mcp_customers SET name = 'x'",
            "WITH gone AS (DELETE FROM mcp_customers RETURNING *) SELECT * FROM gone",
            "COPY mcp_customers TO PROGRAM 'id'",
            "SET default_transaction_read_only = off",
            "SELECT set_config('default_transaction_read_only', 'off', false)",
            "BEGIN; UPDATE mcp_customers SET name = 'x'; COMMIT",
            "INSERT INTO mcp_customers VALUES (9, 'Eve', '1')",
            "DROP TABLE mcp_customers",
            "SELECT lo_import('/etc/passwd')"
          }) {
        CallToolResult r = call(client, "query", Map.of("connection", "test", "sql", sql));
        assertThat(r.isError()).as(sql).isTrue();
        assertThat(String.valueOf(structured(r).get("error"))).as(sql).startsWith("warden:");
        assertThat(structured(r)).as(sql).containsKey("rule");
      }
    }
    assertThat(customers()).isEqualTo(2);
    try (Connection c = GatewayFixture.direct();
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT count(*) FROM mcp_customers WHERE name = 'x'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  /** A corpus of statements: the same decision and the same cells through MCP and through psql. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "SELECT id, name, card FROM mcp_customers ORDER BY id",
        "SELECT upper(card) AS c FROM mcp_customers ORDER BY id",
        "SELECT card || '!' FROM mcp_customers ORDER BY id",
        "SELECT * FROM (SELECT card AS x FROM mcp_customers) s ORDER BY x",
        "WITH c AS (SELECT name, card FROM mcp_customers) SELECT * FROM c ORDER BY name",
        "SELECT name FROM mcp_customers UNION ALL SELECT card FROM mcp_customers ORDER BY 1",
        "SELECT count(*) FROM mcp_customers WHERE card LIKE '4%'",
        "SELECT name FROM mcp_customers ORDER BY card",
        "SELECT row_to_json(c) FROM mcp_customers c ORDER BY id",
        "SELECT * FROM pg_authid",
        "SELECT usename FROM pg_user",
        "SELECT 1 + 1",
        "DROP TABLE mcp_customers",
        "SELECT * FROM mcp_customers WHERE id = 2 -- ; DROP TABLE mcp_customers",
      })
  void theSameStatementGetsTheSameDecisionAndMasksThroughMcpAndPsql(String sql) throws Exception {
    String token = agentToken();
    try (McpSyncClient client = client(token)) {
      CallToolResult r = call(client, "query", Map.of("connection", "test", "sql", sql));
      Processes.Result psql =
          Processes.run(
              List.of(
                  "psql",
                  "-X",
                  "-q",
                  "-A",
                  "-t",
                  "-F",
                  "|",
                  "-v",
                  "ON_ERROR_STOP=1",
                  fixture.libpqConnInfo("test"),
                  "-c",
                  sql),
              Map.of("PGPASSWORD", token),
              Duration.ofMinutes(1));
      if (psql.exitCode() != 0) {
        assertThat(r.isError()).as("refused through psql, so through MCP").isTrue();
        String rule = String.valueOf(structured(r).get("rule"));
        assertThat(psql.stderr()).contains("rule " + rule);
      } else {
        assertThat(r.isError()).as(String.valueOf(structured(r))).isFalse();
        List<String> lines = new ArrayList<>();
        for (Object row : (List<?>) structured(r).get("rows")) {
          List<String> cells = new ArrayList<>();
          for (Object cell : (List<?>) row) {
            cells.add(cell == null ? "" : cell.toString());
          }
          lines.add(String.join("|", cells));
        }
        assertThat(lines).isEqualTo(psql.stdout().lines().toList());
      }
    }
  }

  @Test
  void aHeldExecuteRunsOnceApprovedAndNeverWhenDenied() throws Exception {
    try (McpSyncClient client = client(agentToken())) {
      CallToolResult held =
          call(
              client,
              "execute",
              Map.of("connection", "test", "sql", "DELETE FROM mcp_customers WHERE id = 2"));
      assertThat(held.isError()).isTrue();
      String id = String.valueOf(structured(held).get("approvalRequest"));
      assertThat(id).startsWith("apr_");
      assertThat(structured(held).get("rule")).isEqualTo("hold-delete");
      assertThat(customers()).as("nothing runs before the approval").isEqualTo(2);
      // Not approved yet: run_approved refuses.
      CallToolResult early = call(client, "run_approved", Map.of("request_id", id));
      assertThat(early.isError()).isTrue();
      assertThat(decide(id, "approve")).isZero();
      Map<String, Object> state =
          structured(
              call(client, "wait_for_approval", Map.of("request_id", id, "timeout_seconds", 10)));
      assertThat(state.get("state")).isEqualTo("approved");
      CallToolResult ran = call(client, "run_approved", Map.of("request_id", id));
      assertThat(ran.isError()).as(String.valueOf(structured(ran))).isFalse();
      assertThat(structured(ran).get("rowCount")).isEqualTo(1);
      assertThat(customers()).isEqualTo(1);
      // Once only.
      CallToolResult again = call(client, "run_approved", Map.of("request_id", id));
      assertThat(again.isError()).isTrue();

      // A denied one never runs.
      CallToolResult other =
          call(
              client,
              "execute",
              Map.of("connection", "test", "sql", "DELETE FROM mcp_customers WHERE id = 1"));
      String denied = String.valueOf(structured(other).get("approvalRequest"));
      assertThat(decide(denied, "deny")).isZero();
      assertThat(
              structured(call(client, "approval_status", Map.of("request_id", denied)))
                  .get("state"))
          .isEqualTo("denied");
      assertThat(call(client, "run_approved", Map.of("request_id", denied)).isError()).isTrue();
      assertThat(customers()).isEqualTo(1);
    }
  }

  @Test
  void anIdentityMeetsItsCallLimitsWithAClearRefusal() throws Exception {
    try (GatewayFixture limited = gateway("  maxConcurrentCalls: 1\n  callsPerMinute: 3\n");
        McpSyncClient waiting = client(limited, trusting(limited), agentToken());
        McpSyncClient other = client(limited, trusting(limited), agentToken())) {
      CallToolResult held =
          call(
              waiting,
              "execute",
              Map.of("connection", "test", "sql", "DELETE FROM mcp_customers WHERE id = 3"));
      String id = String.valueOf(structured(held).get("approvalRequest"));
      var wait =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () ->
                  call(
                      waiting,
                      "wait_for_approval",
                      Map.of("request_id", id, "timeout_seconds", 4)));
      Thread.sleep(1000);
      // The same identity in another MCP session, while its first call is under way.
      CallToolResult busy = call(other, "list_connections", Map.of());
      assertThat(busy.isError()).isTrue();
      assertThat(String.valueOf(structured(busy).get("error"))).contains("mcp.maxConcurrentCalls");
      assertThat(structured(wait.get(30, java.util.concurrent.TimeUnit.SECONDS)).get("state"))
          .isEqualTo("pending");
      // Two calls this minute so far, one more allowed, then the rate says when to retry.
      assertThat(call(other, "list_connections", Map.of()).isError()).isFalse();
      CallToolResult tooMany = call(other, "list_connections", Map.of());
      assertThat(tooMany.isError()).isTrue();
      assertThat(String.valueOf(structured(tooMany).get("error"))).contains("mcp.callsPerMinute");
      assertThat(String.valueOf(structured(tooMany).get("hint"))).startsWith("retry in ");
    }
  }

  @Test
  void anMcpSessionIsAnAuditedSessionOfTheCaller() {
    try (McpSyncClient client = client(agentToken())) {
      assertThat(query(client, "SELECT count(*) FROM mcp_customers").get("rows"))
          .isEqualTo(List.of(List.of("3")));
    }
    List<AuditEvent.SessionStarted> started =
        audit.events.stream()
            .filter(e -> e instanceof AuditEvent.SessionStarted)
            .map(e -> (AuditEvent.SessionStarted) e)
            .filter(e -> "mcp".equals(e.protocol()))
            .toList();
    assertThat(started).isNotEmpty();
    assertThat(started.getLast().session().identity().subject()).isEqualTo("agent-ann");
    assertThat(started.getLast().session().applicationName()).isEqualTo("mcp: warden-it 1.0");
    assertThat(
            audit.decided().stream()
                .anyMatch(
                    d ->
                        d.session().sessionId().equals(started.getLast().session().sessionId())
                            && d.statement().text().contains("count(*)")))
        .isTrue();
  }

  /**
   * An MCP session is its opener's: another identity's token cannot use or end it (the SDK alone
   * would serve anyone who knows the id). When the owner ends it (DELETE, as the SDK's client does
   * on close), its wire sessions end at once, recorded in the trail, rather than ten minutes later.
   */
  @Test
  void anMcpSessionIsItsOpenersAndEndsWithItsWireSessions() throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(trustDevCa).build();
    String ann = agentToken();
    String bob = idp.token("bob", List.of("code-assistant"));
    HttpResponse<String> init =
        http.send(
            mcpPost(
                    ann,
                    null,
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
                        + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                        + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"0\"}}}")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(init.statusCode()).isEqualTo(200);
    String id = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    assertThat(
            http.send(
                    mcpPost(
                            ann,
                            id,
                            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(202);
    String count =
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
            + "\"query\",\"arguments\":{\"connection\":\"test\",\"sql\":"
            + "\"SELECT count(*) FROM mcp_customers\"}}}";
    HttpResponse<String> hijack =
        http.send(mcpPost(bob, id, count).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(hijack.statusCode()).isEqualTo(403);
    assertThat(hijack.body()).contains("belongs to another identity");
    int before = audit.events.size();
    HttpResponse<String> counted =
        http.send(mcpPost(ann, id, count).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(counted.statusCode()).isEqualTo(200);
    assertThat(counted.body()).contains("\"rows\"");
    AuditEvent.SessionStarted wire =
        audit.events.stream()
            .skip(before)
            .filter(e -> e instanceof AuditEvent.SessionStarted s && "mcp".equals(s.protocol()))
            .map(e -> (AuditEvent.SessionStarted) e)
            .findFirst()
            .orElseThrow();
    assertThat(wire.session().identity().subject()).isEqualTo("agent-ann");
    assertThat(http.send(mcpDelete(bob, id), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(403);
    assertThat(ended(wire)).as("the session lives on after another identity's DELETE").isFalse();
    assertThat(http.send(mcpDelete(ann, id), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    BadInputIT.waitFor(() -> ended(wire));
    assertThat(ended(wire)).as("the wire session ended with the MCP session").isTrue();
    assertThat(
            http.send(mcpPost(ann, id, count).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .as("an ended MCP session serves nothing more")
        .isNotEqualTo(200);
  }

  private static boolean ended(AuditEvent.SessionStarted wire) {
    return audit.events.stream()
        .anyMatch(
            e ->
                e instanceof AuditEvent.SessionEnded s
                    && s.session().sessionId().equals(wire.session().sessionId()));
  }

  /** A JSON-RPC POST to /mcp; {@code token} and {@code session} may be null (left out). */
  private static HttpRequest.Builder mcpPost(String token, String session, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base() + "/mcp"))
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/event-stream")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (session != null) {
      request.header("Mcp-Session-Id", session).header("MCP-Protocol-Version", "2025-11-25");
    }
    return request;
  }

  private static HttpRequest mcpDelete(String token, String session) {
    return HttpRequest.newBuilder(URI.create(base() + "/mcp"))
        .header("Authorization", "Bearer " + token)
        .header("Mcp-Session-Id", session)
        .header("MCP-Protocol-Version", "2025-11-25")
        .DELETE()
        .build();
  }

  /** {@code warden approvals approve|deny ID} as the dba: the CLI's exit code. */
  private static int decide(String id, String verdict) {
    return Integer.parseInt(
        Cli.run(
            "approvals",
            verdict,
            id,
            "-m",
            "checked by McpIT",
            "--admin-url",
            "http://127.0.0.1:" + fixture.adminPort(),
            "--token",
            idp.token("dana", List.of("dba")))[0]);
  }
}
