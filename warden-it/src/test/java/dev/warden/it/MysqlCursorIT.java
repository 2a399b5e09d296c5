package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.AuditEvent;
import dev.warden.it.AttributionIT.RecordingAuditLog;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
    // Plain text on loopback for the hand-made session (MysqlWire); the drivers use TLS.
    warden = MysqlFixture.start(policy, audit, "tls:\n  allowPlaintextOnLoopback: true\n");
  }

  @AfterAll
  static void stop() {
    if (warden != null) {
      warden.close();
    }
  }

  /**
   * A client that keeps the EOF packets (no CLIENT_DEPRECATE_EOF), by hand: the execute's column
   * definitions end with an EOF announcing the cursor, each fetch's binary rows (masked) with an
   * EOF, the last one saying the last row was sent.
   */
  @Test
  void aClientThatKeepsEofPacketsFetchesMaskedRowsByHand() throws Exception {
    try (MysqlWire wire = MysqlWire.login(warden.port, warden.agentKey, "test", false)) {
      byte[] sql =
          "SELECT id, card FROM cursor_cards WHERE id <= 3 ORDER BY id"
              .getBytes(StandardCharsets.UTF_8);
      byte[] prepare = new byte[sql.length + 1];
      prepare[0] = 0x16;
      System.arraycopy(sql, 0, prepare, 1, sql.length);
      wire.send(prepare);
      byte[] ok = wire.read();
      assertThat(ok[0]).as(MysqlWire.text(ok)).isEqualTo((byte) 0);
      ByteBuffer prepared = ByteBuffer.wrap(ok, 1, ok.length - 1).order(ByteOrder.LITTLE_ENDIAN);
      int id = prepared.getInt();
      assertThat(prepared.getShort()).as("columns").isEqualTo((short) 2);
      assertThat(prepared.getShort()).as("parameters").isZero();
      wire.read();
      wire.read();
      assertThat(wire.read()[0]).as("EOF after the definitions").isEqualTo((byte) 0xFE);
      // COM_STMT_EXECUTE: a read-only cursor, one iteration, no parameters.
      ByteBuffer execute = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
      execute.put((byte) 0x17).putInt(id).put((byte) 0x01).putInt(1);
      wire.send(execute.array());
      byte[] count = wire.read();
      assertThat(count[0]).as(MysqlWire.text(count)).isEqualTo((byte) 2);
      wire.read();
      wire.read();
      byte[] end = wire.read();
      assertThat(end[0]).isEqualTo((byte) 0xFE);
      if ((status(end) & CURSOR_EXISTS) == 0) {
        end = wire.read(); // an EOF for the definitions, then one for the cursor
      }
      assertThat(status(end) & CURSOR_EXISTS).as("cursor opened").isNotZero();
      List<String> rows = new ArrayList<>();
      int first = fetch(wire, id, 2, rows);
      assertThat(rows).hasSize(2);
      assertThat(first & LAST_ROW_SENT).isZero();
      int last = fetch(wire, id, 2, rows);
      assertThat(rows)
          .containsExactly("1|************1111", "2|************1111", "3|************1111");
      assertThat(last & LAST_ROW_SENT).as("last row sent").isNotZero();
      // The session goes on.
      assertThat(wire.command(0x0E, "").getFirst()[0]).isEqualTo((byte) 0);
    }
  }

  private static final int CURSOR_EXISTS = 1 << 6;
  private static final int LAST_ROW_SENT = 1 << 7;

  /** An EOF packet's server status. */
  private static int status(byte[] eof) {
    return (eof[3] & 0xFF) | (eof[4] & 0xFF) << 8;
  }

  /**
   * COM_STMT_FETCH of {@code n} rows of (INT id, TEXT card): each binary row as "id|card" into
   * {@code rows}; returns the closing EOF's status.
   */
  private static int fetch(MysqlWire wire, int statement, int n, List<String> rows)
      throws Exception {
    ByteBuffer fetch = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
    fetch.put((byte) 0x1C).putInt(statement).putInt(n);
    wire.send(fetch.array());
    while (true) {
      byte[] p = wire.read();
      if ((p[0] & 0xFF) == 0xFE && p.length < 9) {
        return status(p);
      }
      assertThat(p[0]).as(MysqlWire.text(p)).isEqualTo((byte) 0);
      // Header, a one-byte null bitmap, the INT, then the TEXT as a length-prefixed string.
      ByteBuffer row = ByteBuffer.wrap(p, 2, p.length - 2).order(ByteOrder.LITTLE_ENDIAN);
      int rowId = row.getInt();
      int length = row.get() & 0xFF;
      rows.add(rowId + "|" + new String(p, row.position(), length, StandardCharsets.UTF_8));
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
