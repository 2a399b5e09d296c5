package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.AuditEvent;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MCP door in front of MariaDB: the tools run their statements through the gateway's own MySQL
 * door (the ticket as a connection attribute), so the MySQL door's decisions and masks hold, query
 * refuses writes, and the session is recorded as an MCP session.
 */
class McpMysqlIT {
  private static final String POLICY =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["test"],
        "allow": [{"id": "read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["test.mcpm_*"]},
                  {"id": "write", "classes": ["WRITE"], "verbs": ["INSERT", "UPDATE", "DELETE"], "objects": ["test.mcpm_*"]},
                  {"id": "session", "classes": ["SESSION", "TRANSACTION"]}],
        "masks": [{"id": "card", "columns": ["test.mcpm_customers.card"], "strategy": "keep-last", "keep": 4}]}]}
      """;

  static final AttributionIT.RecordingAuditLog audit = new AttributionIT.RecordingAuditLog();
  static MysqlFixture warden;

  @BeforeAll
  static void start() throws Exception {
    try (Connection c = MysqlFixture.direct();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE OR REPLACE TABLE mcpm_customers (id INT PRIMARY KEY, name TEXT, card TEXT)");
      s.execute(
          "INSERT INTO mcpm_customers VALUES (1, 'Ada', '4111111111111111'), (2, 'Bob', NULL)");
    }
    Path policy = Files.createTempFile("warden-mcp-mysql", ".json");
    Files.writeString(policy, POLICY);
    warden = MysqlFixture.start(policy, audit, "mcp:\n  maxRows: 10\n");
  }

  @AfterAll
  static void stop() {
    if (warden != null) {
      warden.close();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> structured(CallToolResult r) {
    return (Map<String, Object>) r.structuredContent();
  }

  @Test
  void aClientCannotForgeAHandoff() {
    java.util.Properties props = new java.util.Properties();
    props.setProperty("connectionAttributes", "warden_handoff:wh_0011223344556677");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> warden.connect(warden.agentKey, props).close())
        .hasMessageContaining("unknown or spent handoff ticket");
  }

  @Test
  void readsAreMaskedWritesAreRefusedAndTheSessionIsAnMcpSession() throws Exception {
    try (McpSyncClient client =
        McpIT.client(
            warden.mcpPort(),
            McpIT.trusting(warden.dataDir.resolve("tls/ca.crt")),
            warden.agentKey)) {
      CallToolResult read =
          client.callTool(
              new CallToolRequest(
                  "query",
                  Map.of(
                      "connection",
                      "test",
                      "sql",
                      "SELECT id, name, card FROM mcpm_customers ORDER BY id")));
      assertThat(read.isError()).as(String.valueOf(read.structuredContent())).isFalse();
      assertThat(structured(read).get("rows"))
          .isEqualTo(
              List.of(List.of("1", "Ada", "************1111"), Arrays.asList("2", "Bob", null)));
      for (String sql :
          new String[] {
            "DELETE FROM mcpm_customers",
            "SELECT 1; DELETE FROM mcpm_customers",
            "/*!50000 DELETE FROM mcpm_customers */",
            "SET SESSION TRANSACTION READ WRITE",
            "SET SESSION tx_read_only = 0"
          }) {
        CallToolResult r =
            client.callTool(new CallToolRequest("query", Map.of("connection", "test", "sql", sql)));
        assertThat(r.isError()).as(sql).isTrue();
        assertThat(String.valueOf(structured(r).get("error"))).as(sql).contains("warden:");
      }
      // Through execute the policy decides alone: the delete is allowed.
      CallToolResult deleted =
          client.callTool(
              new CallToolRequest(
                  "execute",
                  Map.of("connection", "test", "sql", "DELETE FROM mcpm_customers WHERE id = 2")));
      assertThat(deleted.isError()).as(String.valueOf(deleted.structuredContent())).isFalse();
      assertThat(structured(deleted).get("rowCount")).isEqualTo(1);
    }
    try (Connection c = MysqlFixture.direct();
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM mcpm_customers")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
    assertThat(
            audit.events.stream()
                .filter(e -> e instanceof AuditEvent.SessionStarted)
                .map(e -> (AuditEvent.SessionStarted) e)
                .filter(e -> "mcp".equals(e.protocol()))
                .map(e -> e.session().applicationName()))
        .contains("mcp: warden-it 1.0");
  }
}
