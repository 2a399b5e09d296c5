package dev.warden.frontend.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Identity;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.Bind;
import dev.warden.protocol.postgres.message.BindComplete;
import dev.warden.protocol.postgres.message.CommandComplete;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.CopyDone;
import dev.warden.protocol.postgres.message.CopyFail;
import dev.warden.protocol.postgres.message.CopyInResponse;
import dev.warden.protocol.postgres.message.CopyOutResponse;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.Describe;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.Execute;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.NoData;
import dev.warden.protocol.postgres.message.NoticeResponse;
import dev.warden.protocol.postgres.message.ParameterDescription;
import dev.warden.protocol.postgres.message.Parse;
import dev.warden.protocol.postgres.message.ParseComplete;
import dev.warden.protocol.postgres.message.PortalSuspended;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import dev.warden.protocol.postgres.message.RowDescription;
import dev.warden.protocol.postgres.message.Sync;
import dev.warden.protocol.postgres.message.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL door's relay on the wire, against a scripted database (no network): what the
 * client sends, what the database gets in its place, what the client gets back — for the extended
 * protocol with masks (and a driver that stops describing), a denial inside a transaction, a held
 * statement, a write over its row limit, and COPY in and out.
 */
class RelayTest {
  static final String POLICY =
      """
      {"version": 1, "grants": [{
        "id": "agent-on-shop", "roles": ["agent"], "connections": ["shop"],
        "allow": [
          {"id": "agent.rw", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"], "objects": ["public.*"]},
          {"id": "agent.copy", "classes": ["COPY"], "verbs": ["COPY", "COPY TO STDOUT", "COPY FROM STDIN"], "objects": ["public.*"]},
          {"id": "agent.tx", "classes": ["TRANSACTION"]}],
        "hold": [{"id": "agent.hold-delete", "verbs": ["DELETE"], "objects": ["public.*"], "approvers": ["dba"], "timeout": "15m"}],
        "deny": [{"id": "deny.internal", "objects": ["internal.*"]}],
        "masks": [{"id": "mask.card", "columns": ["*.card_number"], "strategy": "keep-last", "keep": 4}]
      }]}
      """;

  /** The same, with writes limited to 2 rows affected. */
  static final String LIMITED =
      POLICY.replace("\"masks\":", "\"limits\": {\"maxRowsAffected\": 2},\n  \"masks\":");

  static final String CARD = "4111111111111111";

  final RelayHarness relay;

  RelayTest() throws Exception {
    relay = new RelayHarness(POLICY);
  }

  @AfterEach
  void close() {
    relay.close();
  }

  static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

  static RowDescription customerColumns() {
    return new RowDescription(
        List.of(
            new RowDescription.Field(
                "id", RelayHarness.CUSTOMERS_OID, (short) 1, 20, (short) 8, -1, (short) 0),
            new RowDescription.Field(
                "card_number",
                RelayHarness.CUSTOMERS_OID,
                (short) 3,
                25,
                (short) -1,
                -1,
                (short) 0)));
  }

  static DataRow row(String id, String card) {
    return new DataRow(List.of(text(id), text(card)));
  }

  /** The text of each value of a DataRow. */
  static List<String> values(BackendMessage message) {
    List<String> out = new ArrayList<>();
    for (ByteBuf v : ((DataRow) message).values()) {
      out.add(v == null ? null : v.toString(StandardCharsets.UTF_8));
    }
    return out;
  }

  static List<Class<?>> types(List<?> messages) {
    return messages.stream().<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void extendedProtocolRowsAreMaskedByTheStatementsPlanAtEveryExecution() {
    String sql = "SELECT id, card_number FROM public.customers WHERE id = $1";
    // The first execution: parsed, described, bound, executed — as pgJDBC does at its threshold.
    relay.clientSends(
        new Parse("S_1", sql, List.of(20)),
        new Describe(Target.STATEMENT, "S_1"),
        new Bind("", "S_1", List.of(0), List.of(text("7")), List.of(0)),
        new Execute("", 0),
        new Sync());
    assertThat(types(relay.forwarded()))
        .containsExactly(Parse.class, Describe.class, Bind.class, Execute.class, Sync.class);
    relay.databaseSends(
        new ParseComplete(),
        new ParameterDescription(List.of(20)),
        customerColumns(),
        new BindComplete(),
        row("7", CARD),
        new CommandComplete("SELECT 1"),
        new ReadyForQuery(TransactionStatus.IDLE));
    List<BackendMessage> first = relay.received();
    assertThat(first.stream().filter(m -> m instanceof DataRow).map(RelayTest::values))
        .containsExactly(List.of("7", "************1111"));
    // Later executions: Bind and Execute only, nothing described — the statement's plan masks.
    for (int i = 0; i < 5; i++) {
      relay.clientSends(
          new Bind("", "S_1", List.of(0), List.of(text("7")), List.of(0)),
          new Execute("", 0),
          new Sync());
      assertThat(types(relay.forwarded())).containsExactly(Bind.class, Execute.class, Sync.class);
      relay.databaseSends(
          new BindComplete(),
          row("7", CARD),
          new CommandComplete("SELECT 1"),
          new ReadyForQuery(TransactionStatus.IDLE));
      assertThat(relay.received().stream().filter(m -> m instanceof DataRow).map(RelayTest::values))
          .containsExactly(List.of("7", "************1111"));
    }
  }

  @Test
  void aPortalNobodyDescribedGetsWardensOwnDescribeWhoseAnswerTheClientNeverSees() {
    relay.clientSends(
        new Parse("", "SELECT id, card_number FROM public.customers", List.of()),
        new Bind("", "", List.of(), List.of(), List.of()),
        new Execute("", 0),
        new Sync());
    List<FrontendMessage> forwarded = relay.forwarded();
    assertThat(types(forwarded))
        .containsExactly(Parse.class, Bind.class, Describe.class, Execute.class, Sync.class);
    assertThat(((Describe) forwarded.get(2)).target()).isEqualTo(Target.PORTAL);
    relay.databaseSends(
        new ParseComplete(),
        new BindComplete(),
        customerColumns(),
        row("1", CARD),
        new CommandComplete("SELECT 1"),
        new ReadyForQuery(TransactionStatus.IDLE));
    List<BackendMessage> received = relay.received();
    assertThat(types(received))
        .containsExactly(
            ParseComplete.class,
            BindComplete.class,
            DataRow.class,
            CommandComplete.class,
            ReadyForQuery.class);
    assertThat(values(received.get(2))).containsExactly("1", "************1111");
  }

  @Test
  void aDenialInsideATransactionFailsItAsTheDatabaseWould() {
    relay.clientSends(new Query("BEGIN"));
    assertThat(types(relay.forwarded())).containsExactly(Query.class);
    relay.databaseSends(
        new CommandComplete("BEGIN"), new ReadyForQuery(TransactionStatus.IN_TRANSACTION));
    relay.received();
    relay.clientSends(new Query("SELECT * FROM internal.api_keys"));
    List<FrontendMessage> forwarded = relay.forwarded();
    assertThat(forwarded).singleElement().isEqualTo(new Query(Refusals.DENIED_STATEMENT));
    relay.databaseSends(
        ErrorResponse.of("ERROR", "42601", "syntax error at or near \"warden\"", null),
        new ReadyForQuery(TransactionStatus.FAILED));
    List<BackendMessage> received = relay.received();
    assertThat(received).hasSize(2);
    ErrorResponse error = (ErrorResponse) received.getFirst();
    assertThat(error.sqlState()).isEqualTo("42501");
    assertThat(error.message()).contains("denied by rule deny.internal");
    assertThat(received.get(1)).isEqualTo(new ReadyForQuery(TransactionStatus.FAILED));
  }

  @Test
  void aHeldStatementWaitsAndRunsOnceApproved() throws Exception {
    relay.clientSends(new Query("DELETE FROM public.customers WHERE id = 1"));
    assertThat(relay.forwarded()).as("nothing runs while it waits").isEmpty();
    List<BackendMessage> notices = relay.received();
    assertThat(notices).singleElement().isInstanceOf(NoticeResponse.class);
    String id = relay.session.admissions.pendingApproval();
    assertThat(((NoticeResponse) notices.getFirst()).fields().get('M'))
        .contains("waiting for approval " + id);
    relay.approvals.approve(
        id,
        new Authenticated(
            new Identity("dana", "iss", Set.of("dba"), Map.of()),
            Set.of("dba"),
            Set.of(),
            Set.of(),
            Instant.MAX),
        "ok");
    assertThat(relay.forwarded())
        .singleElement()
        .isEqualTo(new Query("DELETE FROM public.customers WHERE id = 1"));
    relay.databaseSends(new CommandComplete("DELETE 1"), new ReadyForQuery(TransactionStatus.IDLE));
    assertThat(relay.received())
        .containsExactly(
            new CommandComplete("DELETE 1"), new ReadyForQuery(TransactionStatus.IDLE));
  }

  @Test
  void aWriteOverItsRowLimitIsRolledBackBeforeItCommits() throws Exception {
    try (RelayHarness limited = new RelayHarness(LIMITED)) {
      overTheLimit(limited);
    }
  }

  private static void overTheLimit(RelayHarness relay) {
    relay.clientSends(new Query("UPDATE public.customers SET full_name = 'x'"));
    // Autocommit: Warden opens the transaction itself, to be able to roll the write back.
    assertThat(relay.forwarded())
        .containsExactly(
            new Query("BEGIN"), new Query("UPDATE public.customers SET full_name = 'x'"));
    relay.databaseSends(
        new CommandComplete("BEGIN"),
        new ReadyForQuery(TransactionStatus.IN_TRANSACTION),
        new CommandComplete("UPDATE 5"),
        new ReadyForQuery(TransactionStatus.IN_TRANSACTION));
    assertThat(relay.forwarded()).containsExactly(new Query("ROLLBACK"));
    List<BackendMessage> refused = relay.received();
    assertThat(refused).singleElement().isInstanceOf(ErrorResponse.class);
    assertThat(((ErrorResponse) refused.getFirst()).sqlState()).isEqualTo("54000");
    relay.databaseSends(new CommandComplete("ROLLBACK"), new ReadyForQuery(TransactionStatus.IDLE));
    assertThat(relay.received())
        .as("the client's ReadyForQuery is the one after Warden's ROLLBACK")
        .containsExactly(new ReadyForQuery(TransactionStatus.IDLE));
    // Under the limit it commits, and the client sees its own tag.
    relay.clientSends(new Query("UPDATE public.customers SET full_name = 'y' WHERE id = 1"));
    relay.forwarded();
    relay.databaseSends(
        new CommandComplete("BEGIN"),
        new ReadyForQuery(TransactionStatus.IN_TRANSACTION),
        new CommandComplete("UPDATE 1"),
        new ReadyForQuery(TransactionStatus.IN_TRANSACTION));
    assertThat(relay.forwarded()).containsExactly(new Query("COMMIT"));
    relay.databaseSends(new CommandComplete("COMMIT"), new ReadyForQuery(TransactionStatus.IDLE));
    assertThat(relay.received())
        .containsExactly(
            new CommandComplete("UPDATE 1"), new ReadyForQuery(TransactionStatus.IDLE));
  }

  @Test
  void theRowLimitCountsAcrossPipelinedFetchesOfOnePortal() throws Exception {
    String returning =
        POLICY.replace("\"masks\":", "\"limits\": {\"maxRowsReturned\": 3},\n  \"masks\":");
    try (RelayHarness limited = new RelayHarness(returning)) {
      // A driver fetching in batches of two, both Executes sent before any answer.
      limited.clientSends(
          new Parse("", "SELECT id, card_number FROM public.customers", List.of()),
          new Bind("c1", "", List.of(), List.of(), List.of()),
          new Describe(Target.PORTAL, "c1"),
          new Execute("c1", 2),
          new Execute("c1", 2),
          new Sync());
      limited.forwarded();
      limited.databaseSends(
          new ParseComplete(),
          new BindComplete(),
          customerColumns(),
          row("1", CARD),
          row("2", CARD),
          new PortalSuspended(),
          row("3", CARD),
          row("4", CARD),
          new PortalSuspended(),
          new ReadyForQuery(TransactionStatus.IN_TRANSACTION));
      List<BackendMessage> received = limited.received();
      assertThat(received.stream().filter(DataRow.class::isInstance).map(RelayTest::values))
          .as("the second batch counts the first's rows: the fourth row is cut")
          .containsExactly(
              List.of("1", "************1111"),
              List.of("2", "************1111"),
              List.of("3", "************1111"));
      assertThat(received)
          .anySatisfy(
              m ->
                  assertThat(m)
                      .isInstanceOfSatisfying(
                          NoticeResponse.class,
                          n -> assertThat(n.fields().get('M')).contains("truncated to 3 rows")));
    }
  }

  @Test
  void aReadRunsAtOnceButNothingOfItsResultReachesTheClientBeforeItsRecordIsDurable() {
    relay.audit.writeAhead = true;
    relay.clientSends(new Query("SELECT id FROM public.customers"));
    assertThat(relay.forwarded()).as("free of effects: forwarded at once").hasSize(1);
    relay.databaseSends(
        new RowDescription(List.of(customerColumns().fields().getFirst())),
        new DataRow(List.of(text("7"))),
        new CommandComplete("SELECT 1"),
        new ReadyForQuery(TransactionStatus.IDLE));
    assertThat(relay.received()).as("held until the record is durable").isEmpty();
    relay.audit.pending.getFirst().complete(null);
    assertThat(types(relay.received()))
        .containsExactly(
            RowDescription.class, DataRow.class, CommandComplete.class, ReadyForQuery.class);
  }

  @Test
  void aWriteIsNotForwardedBeforeItsRecordIsDurable() {
    relay.audit.writeAhead = true;
    relay.clientSends(new Query("UPDATE public.customers SET full_name = 'x' WHERE id = 1"));
    assertThat(relay.forwarded()).as("the database has not seen it").isEmpty();
    relay.audit.pending.getFirst().complete(null);
    assertThat(relay.forwarded())
        .containsExactly(new Query("UPDATE public.customers SET full_name = 'x' WHERE id = 1"));
  }

  @Test
  void aReadWhoseRecordIsLostNeverShowsItsResultAndTheSessionEnds() {
    relay.audit.writeAhead = true;
    relay.clientSends(new Query("SELECT id, card_number FROM public.customers"));
    relay.forwarded();
    relay.databaseSends(
        customerColumns(),
        row("7", CARD),
        new CommandComplete("SELECT 1"),
        new ReadyForQuery(TransactionStatus.IDLE));
    relay.audit.pending.getFirst().completeExceptionally(new IllegalStateException("disk gone"));
    List<BackendMessage> received = relay.received();
    assertThat(received).singleElement().isInstanceOf(ErrorResponse.class);
    ErrorResponse error = (ErrorResponse) received.getFirst();
    assertThat(error.sqlState()).isEqualTo("58000");
    assertThat(error.isFatal()).isTrue();
    assertThat(error.message()).contains("audit-unavailable").contains("withheld");
    assertThat(relay.client.isActive()).isFalse();
  }

  @Test
  void copyOutIsMaskedRowByRow() {
    relay.clientSends(new Query("COPY public.customers (id, card_number) TO STDOUT"));
    relay.forwarded();
    relay.databaseSends(
        new CopyOutResponse(0, List.of(0, 0)),
        new CopyData(text("7\t" + CARD + "\n")),
        new CopyDone(),
        new CommandComplete("COPY 1"),
        new ReadyForQuery(TransactionStatus.IDLE));
    List<String> lines = new ArrayList<>();
    for (BackendMessage m : relay.received()) {
      if (m instanceof CopyData data) {
        lines.add(data.data().toString(StandardCharsets.UTF_8));
      }
    }
    assertThat(lines).containsExactly("7\t************1111\n");
  }

  @Test
  void copyInOfAMaskIntoAMaskedColumnFailsBeforeAnythingCommits() {
    relay.clientSends(new Query("COPY public.customers (id, card_number) FROM STDIN"));
    relay.forwarded();
    relay.databaseSends(new CopyInResponse(0, List.of(0, 0)));
    assertThat(types(relay.received())).containsExactly(CopyInResponse.class);
    relay.clientSends(
        new CopyData(text("8\t" + CARD + "\n")), new CopyData(text("9\t************1111\n")));
    List<FrontendMessage> forwarded = relay.forwarded();
    assertThat(types(forwarded)).containsExactly(CopyData.class, CopyFail.class);
    relay.clientSends(new CopyDone());
    assertThat(relay.forwarded()).as("dropped: the server failed the COPY").isEmpty();
    relay.databaseSends(
        ErrorResponse.of("ERROR", "57014", "COPY from stdin failed: warden", null),
        new ReadyForQuery(TransactionStatus.IDLE));
    List<BackendMessage> received = relay.received();
    assertThat(((ErrorResponse) received.getFirst()).message())
        .contains("denied by rule masked-write-back")
        .contains("field 2");
    assertThat(received.get(1)).isEqualTo(new ReadyForQuery(TransactionStatus.IDLE));
  }

  @Test
  void aStatementWithoutResultColumnsPassesUntouched() {
    relay.clientSends(
        new Parse("", "UPDATE public.customers SET full_name = $1 WHERE id = 1", List.of()),
        new Bind("", "", List.of(), Arrays.asList(text("z")), List.of()),
        new Describe(Target.PORTAL, ""),
        new Execute("", 0),
        new Sync());
    assertThat(types(relay.forwarded()))
        .containsExactly(Parse.class, Bind.class, Describe.class, Execute.class, Sync.class);
  }

  @Test
  void noDataForADescribedPortalIsPassedOn() {
    relay.clientSends(
        new Parse("", "SELECT 1 WHERE false", List.of()),
        new Bind("", "", List.of(), List.of(), List.of()),
        new Describe(Target.PORTAL, ""),
        new Execute("", 0),
        new Sync());
    relay.forwarded();
    relay.databaseSends(
        new ParseComplete(),
        new BindComplete(),
        new NoData(),
        new CommandComplete("SELECT 0"),
        new ReadyForQuery(TransactionStatus.IDLE));
    assertThat(types(relay.received()))
        .containsExactly(
            ParseComplete.class,
            BindComplete.class,
            NoData.class,
            CommandComplete.class,
            ReadyForQuery.class);
  }
}
