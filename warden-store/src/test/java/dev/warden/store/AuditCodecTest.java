package dev.warden.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.identity.Identity;
import dev.warden.core.policy.Decision;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Format version 1 of the two records every statement writes, pinned field for field (readers,
 * replay and the chain depend on it), and scrubbed: nothing regulated reaches the store in clear.
 */
class AuditCodecTest {
  static final SessionContext SESSION =
      new SessionContext(
          "s-1",
          new Identity("agent", "https://issuer.example", Set.of("code-assistant"), Map.of()),
          Set.of("agent"),
          "shop",
          "127.0.0.1:5000",
          "psql");
  static final Instant AT = Instant.ofEpochMilli(1_700_000_000_123L);

  final AuditCodec codec = new AuditCodec();

  @Test
  void aStatementRecord() {
    Statement statement =
        new Statement(
            "SELECT name FROM public.customers c JOIN billing.cards k ON true WHERE id = $1",
            StatementClass.READ,
            List.of(
                new StatementPart(
                    "SELECT",
                    StatementClass.READ,
                    Set.of(new TableRef("public", "customers"), new TableRef("billing", "cards")),
                    Set.of(),
                    Set.of(),
                    Set.of("SELECT"),
                    Set.of(),
                    null,
                    0,
                    ColumnUses.NONE)),
            null);
    AuditRecord.Draft draft =
        codec.draft(
            new AuditEvent.StatementDecided(
                AT,
                SESSION,
                7,
                statement,
                new Decision.Deny("deny.cards", "no \"cards\" here", "ask"),
                Arrays.asList("42", null)));
    assertThat(draft.kind()).isEqualTo("statement");
    assertThat(draft.atMillis()).isEqualTo(AT.toEpochMilli());
    assertThat(draft.sessionId()).isEqualTo("s-1");
    assertThat(draft.identity()).isEqualTo("agent");
    assertThat(draft.connection()).isEqualTo("shop");
    assertThat(draft.payload())
        .isEqualTo(
            "{\"v\":1,\"statement\":7,\"sql\":\"SELECT name FROM public.customers c JOIN"
                + " billing.cards k ON true WHERE id = $1\",\"class\":\"READ\",\"operations\":"
                + "[\"SELECT\"],\"objects\":[\"billing.cards\",\"public.customers\"],"
                + "\"parameters\":[\"42\",null],\"decision\":\"deny\",\"rule\":\"deny.cards\","
                + "\"reason\":\"no \\\"cards\\\" here\"}");
  }

  @Test
  void anOutcomeRecord() {
    AuditRecord.Draft draft =
        codec.draft(
            new AuditEvent.StatementCompleted(
                AT,
                SESSION,
                7,
                2,
                "22012",
                List.of("a", "b"),
                List.of(Arrays.asList("1", null), List.of("x", "y")),
                List.of("NOTICE: hi"),
                15,
                List.of(new AuditEvent.Result(List.of("a"), List.of(List.of("1")), "SELECT 1"))));
    assertThat(draft.kind()).isEqualTo("outcome");
    assertThat(draft.payload())
        .isEqualTo(
            "{\"v\":1,\"statement\":7,\"rows\":2,\"error\":\"22012\",\"micros\":15,"
                + "\"columns\":[\"a\",\"b\"],\"result\":[[\"1\",null],[\"x\",\"y\"]],"
                + "\"messages\":[\"NOTICE: hi\"],\"results\":[{\"columns\":[\"a\"],"
                + "\"result\":[[\"1\"]],\"tag\":\"SELECT 1\"}]}");
  }

  @Test
  void regulatedValuesAreScrubbedInTextParametersCellsAndMessages() {
    String card = "4111 1111 1111 1111";
    AuditRecord.Draft statement =
        codec.draft(
            new AuditEvent.StatementDecided(
                AT,
                SESSION,
                1,
                new Statement("SELECT '" + card + "'", StatementClass.READ),
                new Decision.Allow("r", dev.warden.core.policy.Limits.NONE),
                List.of(card)));
    AuditRecord.Draft outcome =
        codec.draft(
            new AuditEvent.StatementCompleted(
                AT,
                SESSION,
                1,
                1,
                null,
                List.of("c"),
                List.of(List.of(card)),
                List.of("NOTICE: " + card),
                -1,
                List.of()));
    assertThat(statement.payload()).doesNotContain(card).contains("\"parameters\":[");
    assertThat(outcome.payload()).doesNotContain(card).doesNotContain("micros");
  }
}
