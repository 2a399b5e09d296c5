package dev.warden.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.approval.ApprovalStore;
import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.Estimate;
import dev.warden.core.approval.GrantStore;
import dev.warden.core.approval.Grants;
import dev.warden.core.approval.JitGrant;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.audit.AuditUnavailableException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Identity;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.session.SessionContext;
import dev.warden.core.session.StatementPipeline;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel as every door uses it: decide, grant, guard, record write-ahead, hold — one verdict.
 * Statements are built as an analyzer would describe them; the audit log, the catalogs and the link
 * to the session are hand-written fakes of Warden's own interfaces.
 */
class SessionAdmissionTest {
  static final String POLICY =
      """
      {"version": 1, "grants": [{
        "id": "agent-on-shop", "roles": ["agent"], "connections": ["shop"],
        "allow": [{"id": "agent.rw", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"], "objects": ["public.*"]}],
        "hold": [
          {"id": "agent.hold-delete", "verbs": ["DELETE"], "objects": ["public.*"], "approvers": ["dba"], "timeout": "15m"},
          {"id": "agent.hold-ddl", "classes": ["DDL"], "approvers": ["dba"], "timeout": "15m", "mode": "ask"}],
        "deny": [{"id": "deny.internal", "objects": ["internal.*"]}],
        "masks": [{"id": "mask.card", "columns": ["*.card_number"], "strategy": "keep-last", "keep": 4}]
      }]}
      """;

  static final TableRef CUSTOMERS = new TableRef("public", "customers");

  final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  final ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final RecordingLog log = new RecordingLog();
  final FakeLink link = new FakeLink(loop);
  final Approvals approvals =
      new Approvals(
          new ApprovalStore.InMemory(), log, Clock.systemUTC(), timer, Duration.ofMinutes(15));
  final Grants grants;
  final SessionAdmission session;
  final AdmissionControl control;
  final Authenticated dba =
      new Authenticated(
          new Identity("dana", "iss", Set.of("dba"), Map.of()),
          Set.of("dba"),
          Set.of(),
          Set.of(),
          Instant.MAX);

  SessionAdmissionTest() throws Exception {
    grants = new Grants(new GrantStore.InMemory(), log, Clock.systemUTC());
    StatementPipeline pipeline =
        new StatementPipeline(
            sql -> {
              throw new AssertionError("the door analyses, not the kernel");
            },
            new DeclarativePolicyEngine(new PolicyParser().parse(POLICY)),
            log,
            Clock.systemUTC());
    control =
        new AdmissionControl(
            pipeline,
            grants,
            approvals,
            new FakeCatalogs(),
            blocking,
            AdmissionMetrics.NONE,
            new AdmissionSettings(Duration.ofMillis(300), Duration.ofSeconds(30)));
    session =
        control.open(
            new SessionContext(
                "s1",
                new Identity("agent", "iss", Set.of("code-assistant"), Map.of()),
                Set.of("agent"),
                "shop",
                "127.0.0.1",
                "test"),
            link);
  }

  @AfterEach
  void stop() {
    loop.shutdownNow();
    blocking.shutdownNow();
    timer.shutdownNow();
    approvals.close();
  }

  // ---- statements, as an analyzer describes them ----

  static Statement statement(
      String sql,
      String verb,
      StatementClass statementClass,
      Set<TableRef> reads,
      Set<TableRef> writes,
      ColumnUses columns) {
    return new Statement(
        sql,
        statementClass,
        List.of(
            new StatementPart(
                verb,
                statementClass,
                reads,
                writes,
                Set.of(),
                Set.of(verb),
                Set.of(),
                null,
                writes.isEmpty() ? 0 : 1,
                columns)),
        null);
  }

  static Statement select(String table) {
    TableRef ref = new TableRef(table.split("\\.")[0], table.split("\\.")[1]);
    return statement(
        "SELECT * FROM " + table, "SELECT", StatementClass.READ, Set.of(ref), Set.of(), null);
  }

  static Statement deleteCustomers() {
    return statement(
        "DELETE FROM public.customers WHERE id = $1",
        "DELETE",
        StatementClass.WRITE,
        Set.of(),
        Set.of(CUSTOMERS),
        null);
  }

  static Statement insertCard() {
    return statement(
        "INSERT INTO public.customers (id, card_number) VALUES (1, $1)",
        "INSERT",
        StatementClass.WRITE,
        Set.of(),
        Set.of(CUSTOMERS),
        new ColumnUses(
            Set.of(),
            Set.of(),
            List.of(new ColumnUses.ColumnWrite(CUSTOMERS, "card_number", null, 1)),
            List.of()));
  }

  static Statement createTable() {
    return statement(
        "CREATE TABLE public.t (id int)",
        "CREATE TABLE",
        StatementClass.DDL,
        Set.of(),
        Set.of(new TableRef("public", "t")),
        null);
  }

  static BoundParameters text(String... values) {
    List<byte[]> bytes = new ArrayList<>();
    for (String v : values) {
      bytes.add(v.getBytes(StandardCharsets.UTF_8));
    }
    return new BoundParameters(List.of(), List.of(), bytes);
  }

  Verdict await(CompletableFuture<Verdict> verdict) throws Exception {
    return verdict.get(10, TimeUnit.SECONDS);
  }

  // ---- the tests ----

  @Test
  void anAllowedReadRunsAtOnceAndIsRecordedOnce() {
    CompletableFuture<Verdict> verdict =
        session.admit(select("public.customers"), BoundParameters.NONE, true);
    assertThat(verdict).isDone();
    assertThat(verdict.join())
        .isInstanceOfSatisfying(
            Verdict.Run.class,
            run -> {
              assertThat(run.admission().decision().rule()).isEqualTo("agent.rw");
              assertThat(run.masking()).isNotNull();
            });
    assertThat(log.decided()).hasSize(1);
    assertThat(session.statementCount()).isEqualTo(1);
  }

  /** A session opened with {@code options}, as the MCP door opens its sessions. */
  private SessionAdmission withOptions(SessionOptions options) {
    return control.open(session.context(), link, options);
  }

  @Test
  void aReadOnlySessionRefusesEveryPartThatIsNotARead() throws Exception {
    SessionAdmission reader = withOptions(new SessionOptions(true, false));
    assertThat(reader.admit(select("public.customers"), BoundParameters.NONE, true).join())
        .isInstanceOf(Verdict.Run.class);
    // The policy allows this UPDATE; the read-only session does not, and no grant lifts it.
    assertThat(reader.admit(updateCustomers(), BoundParameters.NONE, true).join())
        .isInstanceOfSatisfying(
            Verdict.Refuse.class,
            r -> {
              assertThat(r.deny().rule()).isEqualTo(DeclarativePolicyEngine.READ_ONLY_SESSION);
              assertThat(r.deny().reason()).contains("UPDATE is write, not a read");
            });
    // A denial of the policy's own stays the policy's.
    assertThat(reader.admit(select("internal.api_keys"), BoundParameters.NONE, true).join())
        .isInstanceOfSatisfying(
            Verdict.Refuse.class, r -> assertThat(r.deny().rule()).isEqualTo("deny.internal"));
  }

  @Test
  void aSessionThatAsksForApprovalsGetsTheRequestAtOnceInsteadOfWaiting() throws Exception {
    SessionAdmission asking = withOptions(new SessionOptions(false, true));
    // agent.hold-delete is a wait-mode hold: this session is answered at once all the same.
    Verdict verdict = asking.admit(deleteCustomers(), BoundParameters.NONE, true).join();
    assertThat(verdict)
        .isInstanceOfSatisfying(
            Verdict.Refuse.class,
            r -> {
              assertThat(r.deny().rule()).isEqualTo("agent.hold-delete");
              assertThat(r.deny().reason()).contains("request ").contains("was opened");
            });
    assertThat(approvals.list(true, 10)).hasSize(1);
  }

  @Test
  void aDenialIsRecordedAndNamesTheRule() {
    Verdict verdict = session.admit(select("internal.api_keys"), BoundParameters.NONE, true).join();
    assertThat(verdict)
        .isInstanceOfSatisfying(
            Verdict.Refuse.class, r -> assertThat(r.deny().rule()).isEqualTo("deny.internal"));
    assertThat(log.decided())
        .singleElement()
        .satisfies(e -> assertThat(e.decision().rule()).isEqualTo("deny.internal"));
  }

  static Statement updateCustomers() {
    return statement(
        "UPDATE public.customers SET id = id",
        "UPDATE",
        StatementClass.WRITE,
        Set.of(CUSTOMERS),
        Set.of(CUSTOMERS),
        null);
  }

  @Test
  void writeAheadAWriteWaitsForItsRecordAndCompletesOnTheSessionsLoop() throws Exception {
    log.writeAhead = true;
    CompletableFuture<Verdict> verdict =
        session.admit(updateCustomers(), BoundParameters.NONE, true);
    assertThat(verdict).as("not forwarded before its record is durable").isNotDone();
    Thread[] on = new Thread[1];
    CompletableFuture<Verdict> observed =
        verdict.whenComplete((v, e) -> on[0] = Thread.currentThread());
    log.pending.getFirst().complete(null);
    assertThat(await(observed))
        .isInstanceOfSatisfying(Verdict.Run.class, run -> assertThat(run.durable()).isNull());
    assertThat(on[0]).isEqualTo(link.loopThread());
  }

  @Test
  void writeAheadAReadRunsAtOnceAndItsResultWaitsForTheRecord() throws Exception {
    log.writeAhead = true;
    CompletableFuture<Verdict> verdict =
        session.admit(select("public.customers"), BoundParameters.NONE, true);
    assertThat(verdict).as("free of effects: forwarded at once").isDone();
    CompletableFuture<Void> durable = ((Verdict.Run) verdict.join()).durable();
    assertThat(durable).as("its result waits").isNotNull().isNotDone();
    Thread[] on = new Thread[1];
    CompletableFuture<Void> observed =
        durable.whenComplete((v, e) -> on[0] = Thread.currentThread());
    log.pending.getFirst().complete(null);
    observed.get(10, TimeUnit.SECONDS);
    assertThat(on[0]).isEqualTo(link.loopThread());
  }

  @Test
  void aReadWhoseRecordIsLostNeverReleasesItsResult() throws Exception {
    log.writeAhead = true;
    CompletableFuture<Void> failed =
        ((Verdict.Run) session.admit(select("public.customers"), BoundParameters.NONE, true).join())
            .durable();
    log.pending.getFirst().completeExceptionally(new AuditUnavailableException("down", null));
    assertThatThrownBy(() -> failed.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(AuditUnavailableException.class)
        .hasMessageContaining("audit-unavailable")
        .hasMessageContaining("withheld");
    // No answer at all: the audit timeout (300 ms here) loses it too.
    CompletableFuture<Void> silent =
        ((Verdict.Run) session.admit(select("public.customers"), BoundParameters.NONE, true).join())
            .durable();
    assertThatThrownBy(() -> silent.get(10, TimeUnit.SECONDS))
        .hasMessageContaining("did not confirm the statement's record");
  }

  @Test
  void whileTheStoreIsUnhealthyAndForVolatileFunctionsEvenAReadWaits() throws Exception {
    log.writeAhead = true;
    log.healthy = false;
    assertThat(session.admit(select("public.customers"), BoundParameters.NONE, true))
        .as("a known outage: refused per statement, not sessions ended")
        .isNotDone();
    log.healthy = true;
    // random() is volatile (the policy lets it run: it is among the default safe ones), so the
    // read is not known to be free of effects: it is not forwarded before its record.
    Statement random =
        new Statement(
            "SELECT random()",
            StatementClass.READ,
            List.of(
                new StatementPart(
                    "SELECT",
                    StatementClass.READ,
                    Set.of(),
                    Set.of(),
                    Set.of("random"),
                    Set.of("SELECT"),
                    Set.of(),
                    null,
                    0,
                    null)),
            null);
    CompletableFuture<Verdict> volatileRead = session.admit(random, BoundParameters.NONE, true);
    assertThat(volatileRead).isNotDone();
    log.pending.getLast().complete(null);
    assertThat(await(volatileRead))
        .isInstanceOfSatisfying(Verdict.Run.class, run -> assertThat(run.durable()).isNull());
  }

  @Test
  void aStoreThatFailsOrDoesNotAnswerRefusesTheWrite() throws Exception {
    log.writeAhead = true;
    CompletableFuture<Verdict> failed =
        session.admit(updateCustomers(), BoundParameters.NONE, true);
    log.pending.getFirst().completeExceptionally(new AuditUnavailableException("down", null));
    assertThat(await(failed))
        .isInstanceOfSatisfying(
            Verdict.Refuse.class,
            r -> {
              assertThat(r.deny().rule()).isEqualTo("audit-unavailable");
              assertThat(r.deny().reason()).contains("does not accept records");
            });
    // No answer at all: the audit timeout (300 ms here) refuses it.
    CompletableFuture<Verdict> silent =
        session.admit(updateCustomers(), BoundParameters.NONE, true);
    assertThat(await(silent))
        .isInstanceOfSatisfying(
            Verdict.Refuse.class,
            r -> assertThat(r.deny().reason()).contains("did not confirm the statement's record"));
  }

  @Test
  void aGrantAllowsWhatThePolicyLeavesToDefaultDeny() throws Exception {
    Statement analyze =
        statement(
            "ANALYZE public.customers",
            "ANALYZE",
            StatementClass.UTILITY,
            Set.of(CUSTOMERS),
            Set.of(),
            null);
    assertThat(session.admit(analyze, BoundParameters.NONE, true).join())
        .isInstanceOf(Verdict.Refuse.class);
    grants.create(
        new JitGrant(
            null,
            "agent",
            null,
            "shop",
            Set.of(StatementClass.UTILITY),
            Set.of("ANALYZE"),
            List.of("public.*"),
            "job 1",
            null,
            null,
            null,
            null,
            null),
        Duration.ofMinutes(5),
        "dana");
    assertThat(session.admit(analyze, BoundParameters.NONE, true).join())
        .isInstanceOf(Verdict.Run.class);
  }

  @Test
  void aHeldStatementWaitsInItsSessionUntilAPersonApprovesIt() throws Exception {
    CompletableFuture<Verdict> verdict = session.admit(deleteCustomers(), text("7"), true);
    link.awaitNotices(1);
    assertThat(link.notices.getFirst()).startsWith("warden: waiting for approval apr_");
    assertThat(verdict).isNotDone();
    String id = session.pendingApproval();
    assertThat(id).isNotNull();
    ApprovalRequest request = approvals.find(id).orElseThrow();
    assertThat(request.parameters()).containsExactly("7");
    assertThat(request.estimate().rows()).isEqualTo(3L);
    approvals.approve(id, dba, "ok");
    assertThat(await(verdict))
        .isInstanceOfSatisfying(
            Verdict.Run.class,
            run -> assertThat(run.admission().decision().rule()).isEqualTo("agent.hold-delete"));
    // The hold, then the final decision: both recorded.
    assertThat(log.decided())
        .extracting(e -> e.decision().getClass().getSimpleName())
        .containsExactly("Hold", "Allow");
    assertThat(log.events)
        .anyMatch(
            e ->
                e instanceof AuditEvent.ApprovalChanged a
                    && a.requestId().equals(id)
                    && a.step().equals("executed"));
  }

  @Test
  void aDeniedRequestRefusesTheStatementNamingTheApprover() throws Exception {
    CompletableFuture<Verdict> verdict = session.admit(deleteCustomers(), text("7"), true);
    link.awaitNotices(1);
    approvals.deny(session.pendingApproval(), dba, "not today");
    assertThat(await(verdict))
        .isInstanceOfSatisfying(
            Verdict.Refuse.class,
            r -> assertThat(r.deny().reason()).contains("was denied by dana: not today"));
  }

  @Test
  void askModeRefusesWithTheRequestAndRunsTheApprovedStatementOnce() throws Exception {
    Verdict first = await(session.admit(createTable(), BoundParameters.NONE, true));
    assertThat(first)
        .isInstanceOfSatisfying(
            Verdict.Refuse.class,
            r -> assertThat(r.deny().reason()).contains("was opened").contains("send the same"));
    String id = approvals.list(true, 10).getFirst().id();
    approvals.approve(id, dba, "ok");
    assertThat(await(session.admit(createTable(), BoundParameters.NONE, true)))
        .isInstanceOf(Verdict.Run.class);
    assertThat(await(session.admit(createTable(), BoundParameters.NONE, true)))
        .as("spent: a new request")
        .isInstanceOf(Verdict.Refuse.class);
  }

  @Test
  void aHoldWhereNothingCanWaitIsRefusedAtOnce() {
    Verdict verdict = session.admit(deleteCustomers(), text("7"), false).join();
    assertThat(verdict)
        .isInstanceOfSatisfying(
            Verdict.Refuse.class, r -> assertThat(r.deny().rule()).isEqualTo("agent.hold-delete"));
    assertThat(session.pendingApproval()).isNull();
  }

  @Test
  void aMaskWrittenBackThroughAParameterIsRefusedAndRecordedMasked() {
    assertThat(session.admit(insertCard(), text("************1111"), true).join())
        .isInstanceOfSatisfying(
            Verdict.Refuse.class, r -> assertThat(r.deny().rule()).isEqualTo("masked-write-back"));
    assertThat(session.admit(insertCard(), text("4111111111111111"), true).join())
        .isInstanceOf(Verdict.Run.class);
    // The audit records a parameter bound into a masked column as the mask shows it.
    assertThat(log.decided().getLast().parameters()).containsExactly("************1111");
  }

  @Test
  void theClientLeavingCancelsItsPendingRequest() throws Exception {
    session.admit(deleteCustomers(), text("7"), true);
    link.awaitNotices(1);
    String id = session.pendingApproval();
    loop.submit(session::closed).get(5, TimeUnit.SECONDS);
    assertThat(approvals.find(id).orElseThrow().state()).isEqualTo(ApprovalRequest.State.CANCELLED);
  }

  // ---- fakes of Warden's own interfaces ----

  /** An audit log that keeps the events; write-ahead, its records are durable when told. */
  static final class RecordingLog implements AuditLog {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();
    volatile boolean writeAhead;
    volatile boolean healthy = true;

    @Override
    public boolean healthy() {
      return healthy;
    }

    @Override
    public void append(AuditEvent event) {
      events.add(event);
    }

    @Override
    public CompletableFuture<Void> appendDurably(AuditEvent event) {
      events.add(event);
      CompletableFuture<Void> durable = new CompletableFuture<>();
      pending.add(durable);
      return durable;
    }

    @Override
    public boolean writeAhead() {
      return writeAhead;
    }

    List<AuditEvent.StatementDecided> decided() {
      return events.stream()
          .filter(e -> e instanceof AuditEvent.StatementDecided)
          .map(e -> (AuditEvent.StatementDecided) e)
          .toList();
    }
  }

  /** The session's side: its loop, the notices its client got, a planner expecting 3 rows. */
  static final class FakeLink implements SessionLink {
    final ScheduledExecutorService loop;
    final List<String> notices = new CopyOnWriteArrayList<>();
    volatile boolean open = true;

    FakeLink(ScheduledExecutorService loop) {
      this.loop = loop;
    }

    Thread loopThread() throws Exception {
      return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    }

    void awaitNotices(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (notices.size() < n && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(notices).hasSizeGreaterThanOrEqualTo(n);
    }

    @Override
    public ScheduledExecutorService loop() {
      return loop;
    }

    @Override
    public boolean open() {
      return open;
    }

    @Override
    public void notice(String message, String hint) {
      notices.add(message);
    }

    @Override
    public CompletableFuture<Estimate> estimate(Statement statement, BoundParameters parameters) {
      return CompletableFuture.completedFuture(Estimate.of(3, "Delete on customers"));
    }
  }

  /** PostgreSQL's built-in functions, and public.customers (id, card_number). */
  static final class FakeCatalogs implements Catalogs {
    final FunctionCatalog functions = FunctionCatalog.builtin();
    final ColumnCatalog columns =
        new ColumnCatalog.Builder()
            .add(1, "public", "customers", "id")
            .add(2, "public", "customers", "card_number")
            .build();

    @Override
    public FunctionCatalog functions(String connection) {
      return functions;
    }

    @Override
    public ColumnCatalog columns(String connection) {
      return columns;
    }
  }
}
