package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.AuditEvent;
import dev.warden.it.AttributionIT.RecordingAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Server-side cursors through the MySQL door: MySQL Connector/J with {@code useCursorFetch=true}
 * and a fetch size executes with a cursor and takes the rows a few at a time (COM_STMT_FETCH).
 * Every fetch is under the execute's verdict: its masks, its row limit counted across fetches, one
 * outcome recorded when the cursor ends. Each result is compared with the same statement run
 * directly.
 */
class MysqlCursorIT {
  private static final String POLICY =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["test"],
        "allow": [{"id": "read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["test.cursor_*"]},
                  {"id": "session", "classes": ["SESSION", "TRANSACTION"]}],
        "masks": [{"id": "card", "columns": ["test.cursor_cards.card"], "strategy": "keep-last", "keep": 4}],
        "limits": {"maxRowsReturned": 7}}]}
      """;

  private static final String CARD = "4111111111111111";
  private static final RecordingAuditLog audit = new RecordingAuditLog();
  private static MysqlFixture warden;

  @BeforeAll
  static void start() throws Exception {
    try (Connection c = MysqlFixture.direct();
        Statement s = c.createStatement()) {
      s.execute("CREATE OR REPLACE TABLE cursor_cards (id INT PRIMARY KEY, name TEXT, card TEXT)");
      for (int i = 1; i <= 10; i++) {
        s.execute("INSERT INTO cursor_cards VALUES (" + i + ", 'n" + i + "', '" + CARD + "')");
      }
    }
    Path policy = Files.createTempFile("warden-cursor", ".json");
    Files.writeString(policy, POLICY);
    warden = MysqlFixture.start(policy, audit, "");
  }

  @AfterAll
  static void stop() {
    if (warden != null) {
      warden.close();
    }
  }

  private static Properties cursor(int fetchSize) {
    Properties props = new Properties();
    props.setProperty("useCursorFetch", "true");
    props.setProperty("defaultFetchSize", Integer.toString(fetchSize));
    return props;
  }

  /** Each row as "id|name|card". */
  private static List<String> rows(Connection c, String sql, int... parameters) throws Exception {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        ps.setInt(i + 1, parameters[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getInt(1) + "|" + rs.getString(2) + "|" + rs.getString(3));
        }
      }
    }
    return out;
  }

  private static List<AuditEvent.StatementCompleted> outcomesOf(String sql) {
    // Statement ids count within a session: a statement is its session's id and its own.
    List<String> ids =
        audit.decided().stream()
            .filter(d -> d.statement().text().equals(sql))
            .map(d -> d.session().sessionId() + "/" + d.statementId())
            .toList();
    return audit.completed().stream()
        .filter(c -> ids.contains(c.session().sessionId() + "/" + c.statementId()))
        .toList();
  }

  @Test
  void rowsFetchedAFewAtATimeAreMaskedAndMatchTheDatabaseDirectly() throws Exception {
    String sql = "SELECT id, name, card FROM cursor_cards WHERE id <= ? ORDER BY id";
    List<String> direct;
    try (Connection c = MysqlFixture.direct("mysql", "test", cursor(2))) {
      direct = rows(c, sql, 5);
    }
    List<String> through;
    try (Connection c = warden.connect("mysql", warden.agentKey, cursor(2))) {
      through = rows(c, sql, 5);
      // The same prepared statement again, and another one, on the same session.
      assertThat(rows(c, sql, 3)).hasSize(3);
      assertThat(rows(c, "SELECT id, name, card FROM cursor_cards WHERE id = ?", 9))
          .containsExactly("9|n9|************1111");
    }
    assertThat(direct).hasSize(5).allSatisfy(r -> assertThat(r).endsWith("|" + CARD));
    assertThat(through)
        .containsExactlyElementsOf(
            direct.stream().map(r -> r.replace(CARD, "************1111")).toList());
    // One outcome per execution, recorded when its cursor ended, counting every fetched row.
    assertThat(outcomesOf(sql)).extracting(AuditEvent.StatementCompleted::rows).contains(5L, 3L);
  }

  @Test
  void theRowLimitHoldsAcrossFetches() throws Exception {
    String sql = "SELECT id, name, card FROM cursor_cards WHERE id > ? ORDER BY id";
    try (Connection c = warden.connect("mysql", warden.agentKey, cursor(3))) {
      assertThat(rows(c, sql, 0)).hasSize(7).first().isEqualTo("1|n1|************1111");
    }
    assertThat(outcomesOf(sql)).extracting(AuditEvent.StatementCompleted::rows).containsOnly(7L);
  }

  @Test
  void aCursorLeftOpenIsRecordedWhenItsStatementIsClosedAndTheSessionGoesOn() throws Exception {
    String sql = "SELECT id, name, card FROM cursor_cards WHERE id >= ? ORDER BY id";
    try (Connection c = warden.connect("mysql", warden.agentKey, cursor(2))) {
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        ps.setInt(1, 1);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(3)).isEqualTo("************1111");
        }
      }
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM cursor_cards")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(10);
      }
    }
    List<AuditEvent.StatementCompleted> outcomes = outcomesOf(sql);
    assertThat(outcomes).hasSize(1);
    // The first fetch's two rows reached Warden (the client read one): rows came by the cursor.
    assertThat(outcomes.getFirst().rows()).isEqualTo(2L);
  }
}
