package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-session in-flight queue attributes every row and completion to the statement that caused
 * it, even when statements are pipelined: each admitted statement's recorded outcome (rows, error)
 * is its own.
 */
class AttributionIT {
  /** A hand-written fake of our own AuditLog: it keeps what it is given. */
  static final class RecordingAuditLog implements AuditLog {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void append(AuditEvent event) {
      events.add(event);
    }

    List<AuditEvent.StatementCompleted> completed() {
      return events.stream()
          .filter(e -> e instanceof AuditEvent.StatementCompleted)
          .map(e -> (AuditEvent.StatementCompleted) e)
          .toList();
    }

    List<AuditEvent.StatementDecided> decided() {
      return events.stream()
          .filter(e -> e instanceof AuditEvent.StatementDecided)
          .map(e -> (AuditEvent.StatementDecided) e)
          .toList();
    }
  }

  static final RecordingAuditLog audit = new RecordingAuditLog();
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start(Map.of(), "", audit);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @BeforeEach
  void clear() {
    audit.events.clear();
  }

  @Test
  void pipelinedExtendedStatementsEachGetTheirOwnRows() throws Exception {
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      audit.events.clear();
      // Three statements in one pipeline, one Sync: 3 rows, 5 rows, then an error.
      byte[] bytes =
          concat(
              typed('P', "a\0SELECT generate_series(1, 3)\0\0\0"),
              typed('B', "\0a\0\0\0\0\0\0\0"),
              typed('E', "\0\0\0\0\0"),
              typed('P', "b\0SELECT generate_series(1, 5)\0\0\0"),
              typed('B', "\0b\0\0\0\0\0\0\0"),
              typed('E', "\0\0\0\0\0"),
              typed('P', "c\0SELECT 1 / (random() * 0)::int\0\0\0"),
              typed('B', "\0c\0\0\0\0\0\0\0"),
              typed('E', "\0\0\0\0\0"),
              typed('S', ""));
      client.send(bytes);
      while (client.read().type() != 'Z') {
        // consume the responses
      }
    }
    List<AuditEvent.StatementDecided> decided = audit.decided();
    List<AuditEvent.StatementCompleted> completed = audit.completed();
    assertThat(decided)
        .extracting(e -> e.statement().text())
        .containsExactly(
            "SELECT generate_series(1, 3)",
            "SELECT generate_series(1, 5)",
            "SELECT 1 / (random() * 0)::int");
    assertThat(completed).hasSize(3);
    assertThat(completed.get(0).statementId()).isEqualTo(decided.get(0).statementId());
    assertThat(completed.get(0).rows()).isEqualTo(3);
    assertThat(completed.get(0).errorSqlState()).isNull();
    assertThat(completed.get(1).rows()).isEqualTo(5);
    assertThat(completed.get(2).rows()).isZero();
    assertThat(completed.get(2).errorSqlState()).isEqualTo("22012");
  }

  @Test
  void simpleQueriesAndFetchSizePortals() throws Exception {
    try (Connection c = fixture.connect();
        Statement s = c.createStatement()) {
      audit.events.clear();
      try (ResultSet rs = s.executeQuery("SELECT generate_series(1, 7)")) {
        while (rs.next()) {
          // drain
        }
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("SELECT generate_series(1, 25)")) {
        ps.setFetchSize(10);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            // drain in three fetches: 10, 10, 5
          }
        }
      }
      c.commit();
    }
    List<Long> rows = audit.completed().stream().map(AuditEvent.StatementCompleted::rows).toList();
    assertThat(rows).containsSubsequence(7L, 10L, 10L, 5L);
    assertThat(audit.completed()).allSatisfy(e -> assertThat(e.errorSqlState()).isNull());
  }

  @Test
  void simpleQueryErrorIsRecorded() throws Exception {
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      audit.events.clear();
      client.sendTyped(
          'Q', "SELECT * FROM no_such_table_here\0".getBytes(StandardCharsets.US_ASCII));
      while (client.read().type() != 'Z') {
        // consume
      }
    }
    assertThat(audit.completed())
        .singleElement()
        .satisfies(e -> assertThat(e.errorSqlState()).isEqualTo("42P01"));
  }

  @Test
  void authenticationFailuresAreRecordedWithReasonAndClientButNeverTheCredential()
      throws Exception {
    String wrong = "wdn_this-is-not-a-valid-key-at-all";
    try (RawClient client = new RawClient(fixture.port()).startTls()) {
      assertThat(client.authenticate(wrong, "test").fields()).containsEntry('C', "28P01");
    }
    BadInputIT.waitFor(() -> !audit.events.isEmpty());
    assertThat(audit.events)
        .filteredOn(e -> e instanceof AuditEvent.AuthenticationFailed)
        .singleElement()
        .satisfies(
            e -> {
              AuditEvent.AuthenticationFailed failed = (AuditEvent.AuthenticationFailed) e;
              assertThat(failed.reason())
                  .contains("not a valid Warden service key")
                  .doesNotContain(wrong);
              assertThat(failed.clientAddress()).contains("127.0.0.1");
              assertThat(failed.user()).isEqualTo("agent");
              assertThat(failed.toString()).doesNotContain(wrong);
            });
  }

  private static byte[] typed(char type, String body) {
    byte[] b = body.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(5 + b.length).put((byte) type).putInt(4 + b.length).put(b).array();
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer all = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      all.put(p);
    }
    return all.array();
  }
}
