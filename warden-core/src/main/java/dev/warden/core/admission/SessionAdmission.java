package dev.warden.core.admission;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditUnavailableException;
import dev.warden.core.mask.MaskGuard;
import dev.warden.core.mask.OutputMasks;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Limits;
import dev.warden.core.policy.Masking;
import dev.warden.core.session.Admission;
import dev.warden.core.session.SessionContext;
import dev.warden.core.session.StatementPipeline;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The kernel for one session: each statement the session's door hands it is decided (policy, then a
 * just-in-time grant where the policy holds or says nothing), checked by masking's guard, recorded
 * — durably first when the audit trail is write-ahead — and, if held, waits for its approval, until
 * it comes back as a {@link Verdict}. Everything a verdict needs that completes later completes on
 * the session's loop ({@link SessionLink#loop}); a verdict that needs no waiting is returned
 * completed, at no cost.
 */
public final class SessionAdmission {
  private final AdmissionControl control;
  private final SessionContext context;
  private final SessionLink link;
  private final ApprovalWait approvals;
  private final SessionOptions options;
  private long statementCount;

  /** This session's statements admitted to run and not yet completed. */
  private int running;

  SessionAdmission(
      AdmissionControl control, SessionContext context, SessionLink link, SessionOptions options) {
    this.control = control;
    this.context = context;
    this.link = link;
    this.options = options;
    this.approvals = new ApprovalWait(control, context, link);
  }

  /** What the door asked of this session beyond the policy. */
  public SessionOptions options() {
    return options;
  }

  public SessionContext context() {
    return context;
  }

  /** How many statements this session has had decided. */
  public long statementCount() {
    return statementCount;
  }

  /** The approval request a held statement of this session waits for, or null. */
  public String pendingApproval() {
    return approvals.pending();
  }

  /**
   * The client left: a statement waiting for approval no longer does (its request is cancelled).
   */
  public void closed() {
    control.runningChanged(-running);
    running = 0;
    approvals.cancel("the client disconnected");
  }

  /**
   * The session started, over a client connection with this TLS protocol and cipher suite (or
   * "none"): recorded and counted.
   */
  public void started(String tls) {
    started(tls, null);
  }

  /** The same, through the front door of {@code protocol} (recorded; null for PostgreSQL's). */
  public void started(String tls, String protocol) {
    control.metrics().sessionStarted();
    control
        .pipeline()
        .audit()
        .append(
            new AuditEvent.SessionStarted(
                control.pipeline().clock().instant(), context, tls, protocol));
  }

  /** The session ended: recorded, with how many statements it had decided. */
  public void ended() {
    control
        .pipeline()
        .audit()
        .append(
            new AuditEvent.SessionEnded(
                control.pipeline().clock().instant(), context, statementCount));
  }

  /**
   * An admitted statement ended — without error ({@code sqlState} null) or with the error the
   * client got — having returned or affected {@code rows}: recorded, with its result as the client
   * saw it when {@code seen} is not null (results are kept for the audit trail).
   */
  public void completed(Admission admission, long rows, String sqlState, ResultSeen seen) {
    if (running > 0) {
      running--;
      control.runningChanged(-1);
    }
    StatementPipeline pipeline = control.pipeline();
    if (seen == null) {
      pipeline.completed(context, admission.statementId(), rows, sqlState);
      return;
    }
    // The first result in the fields every reader knows; all of them when there are several.
    List<AuditEvent.Result> results = seen.results();
    AuditEvent.Result first =
        results.isEmpty() ? new AuditEvent.Result(List.of(), List.of(), null) : results.getFirst();
    pipeline.completed(
        new AuditEvent.StatementCompleted(
            pipeline.clock().instant(),
            context,
            admission.statementId(),
            rows > 0 || seen.tagCount() < 0 ? rows : seen.tagCount(),
            sqlState,
            first.columns(),
            first.rows(),
            seen.messages(),
            seen.durationMicros(),
            results.size() > 1 ? results : List.of()));
  }

  /** What this session sees masked, or null when nothing is. */
  public Masking masking() {
    Masking masking = control.pipeline().masking(context.roles(), context.connection());
    return masking.active() ? masking : null;
  }

  /**
   * Whether this session's writes run under a row-affected limit (maxRowsAffected): a door that
   * must open its own transaction around such a write waits until it knows the transaction state.
   */
  public boolean limitsWrites() {
    return control.pipeline().sessionLimits(context.roles(), context.connection()).maxRowsAffected()
        > 0;
  }

  /**
   * Admits a statement the door has analysed (and resolved: names, search path) with its parameters
   * as sent. {@code mayHold}: false where a held statement cannot wait (the door knows the database
   * will skip it anyway), so a hold refuses at once. The future is complete when it returns unless
   * the statement waits for its record or an approval; then it completes on the session's loop.
   */
  public CompletableFuture<Verdict> admit(
      Statement statement, BoundParameters parameters, boolean mayHold) {
    return counted(admitting(statement, parameters, mayHold));
  }

  /** A verdict to run counts as a running statement until the door says it completed. */
  private CompletableFuture<Verdict> counted(CompletableFuture<Verdict> verdict) {
    if (verdict.isDone() && !verdict.isCompletedExceptionally()) {
      // Most verdicts: counted now, no extra stage per statement.
      count(verdict.join());
      return verdict;
    }
    return verdict.thenApply(
        v -> {
          count(v);
          return v;
        });
  }

  private void count(Verdict verdict) {
    if (verdict instanceof Verdict.Run) {
      running++;
      control.runningChanged(1);
    }
  }

  private CompletableFuture<Verdict> admitting(
      Statement statement, BoundParameters parameters, boolean mayHold) {
    Admission decided = decide(statement);
    if (decided.decision() instanceof Decision.Hold held) {
      Decision.Hold hold =
          options.askForApprovals() && !held.ask()
              ? new Decision.Hold(
                  held.rule(),
                  held.reason(),
                  held.approvers(),
                  held.timeout(),
                  held.limits(),
                  true,
                  held.quorum())
              : held;
      if (mayHold) {
        return held(decided, hold, parameters);
      }
      return CompletableFuture.completedFuture(
          refuse(
              decided,
              new Decision.Deny(hold.rule(), "statement requires approval: " + hold.reason(), null),
              parameters));
    }
    return guardAndRecord(decided, parameters);
  }

  /**
   * A statement that acts on another session of this gateway — MySQL's {@code KILL QUERY n} or
   * {@code KILL CONNECTION n}, whose {@code n} the door has resolved to {@code target} (null when
   * no live session has that id). Allowed, under rule {@value #OWN_SESSION_RULE}, only when the
   * target is a session of the same identity (issuer and subject) on the same connection: a caller
   * may stop its own statements, never another's. Otherwise refused under the built-in {@code
   * kill-session} rule, with the same words whether the target does not exist or is someone else's
   * (the refusal does not reveal other sessions). Decided, recorded and audited like any statement;
   * the door then carries it out against the target's database session.
   */
  public CompletableFuture<Verdict> admitOnSession(Statement statement, SessionContext target) {
    control.metrics().statement();
    FunctionCatalog functions = control.catalogs().functions(context.connection());
    Admission decided = control.pipeline().decide(context, ++statementCount, statement, functions);
    boolean own =
        target != null
            && target.identity().issuer().equals(context.identity().issuer())
            && target.identity().subject().equals(context.identity().subject())
            && target.connection().equals(context.connection());
    if (!own) {
      return CompletableFuture.completedFuture(
          refuse(
              decided,
              new Decision.Deny(
                  DeclarativePolicyEngine.KILL_SESSION_RULE,
                  "no session of yours on connection "
                      + context.connection()
                      + " has that connection id",
                  "KILL takes the id your client got when it connected (the mysql client's"
                      + " connection id, not CONNECTION_ID()); only your own sessions can be"
                      + " stopped"),
              BoundParameters.NONE));
    }
    return counted(
        guardAndRecord(
            new Admission(
                decided.statementId(),
                statement,
                new Decision.Allow(OWN_SESSION_RULE, Limits.NONE)),
            BoundParameters.NONE));
  }

  /** The rule under which a caller stops a statement or session of its own. */
  public static final String OWN_SESSION_RULE = "own-session";

  /**
   * The refusal a statement would get from the policy (when no grant lifts it), decided but neither
   * recorded nor counted; null when it would not be refused outright. A door asks at a driver's
   * prepare, so a refusal comes at once; each execution is then admitted and recorded as usual.
   */
  public Decision.Deny preview(Statement statement) {
    FunctionCatalog functions = control.catalogs().functions(context.connection());
    Admission admission = control.pipeline().decide(context, statementCount, statement, functions);
    if (!(admission.decision() instanceof Decision.Deny deny)) {
      return null;
    }
    if (deny.rule().equals(DeclarativePolicyEngine.DEFAULT_DENY)
        && control.grants().decide(context, statement, functions).isPresent()) {
      return null;
    }
    return deny;
  }

  /**
   * Decides a statement (not yet recorded). What the policy leaves to default deny or holds for
   * approval, an active just-in-time grant may allow.
   */
  private Admission decide(Statement statement) {
    control.metrics().statement();
    FunctionCatalog functions = control.catalogs().functions(context.connection());
    Admission admission =
        control.pipeline().decide(context, ++statementCount, statement, functions);
    if (options.readOnly() && !(admission.decision() instanceof Decision.Deny)) {
      for (var part : statement.parts()) {
        Decision.Deny violation = DeclarativePolicyEngine.readOnlyViolation(part);
        if (violation != null) {
          // Only narrows: no grant lifts it.
          return new Admission(admission.statementId(), statement, violation);
        }
      }
    }
    boolean grantable =
        admission.decision() instanceof Decision.Hold
            || (admission.decision() instanceof Decision.Deny deny
                && deny.rule().equals(DeclarativePolicyEngine.DEFAULT_DENY));
    if (grantable) {
      var granted = control.grants().decide(context, statement, functions);
      if (granted.isPresent()) {
        return new Admission(admission.statementId(), statement, granted.get());
      }
    }
    return admission;
  }

  /** A held statement: it waits for its approval, then goes through the guard and the record. */
  private CompletableFuture<Verdict> held(
      Admission admission, Decision.Hold hold, BoundParameters parameters) {
    CompletableFuture<Verdict> verdict = new CompletableFuture<>();
    List<String> recorded = recordedParameters(admission.statement(), parameters);
    // The hold is recorded now, the final decision once the approval ends.
    control.pipeline().record(context, admission, recorded);
    approvals.begin(
        admission,
        hold,
        parameters,
        recorded,
        ending -> {
          switch (ending) {
            case ApprovalWait.Ending.Approved approved -> {
              Admission allowed =
                  new Admission(
                      admission.statementId(),
                      admission.statement(),
                      new Decision.Allow(hold.rule(), hold.limits()));
              guardAndRecord(allowed, parameters)
                  .whenComplete(
                      (v, failure) -> {
                        if (v instanceof Verdict.Run && approved.approved() != null) {
                          control.approvals().executed(approved.approved());
                        }
                        if (!(v instanceof Verdict.Run) && approved.claimed() != null) {
                          // Refused after all (masking): the ask-mode approval is not spent.
                          var claimed = approved.claimed();
                          control
                              .blockingExecutor()
                              .execute(() -> control.approvals().unclaim(claimed));
                        }
                        complete(verdict, v, failure);
                      });
            }
            case ApprovalWait.Ending.Refused refused ->
                verdict.complete(refuse(admission, refused.deny(), parameters));
          }
        });
    return verdict;
  }

  private static void complete(
      CompletableFuture<Verdict> target, Verdict verdict, Throwable failure) {
    if (failure != null) {
      target.completeExceptionally(failure);
    } else {
      target.complete(verdict);
    }
  }

  /**
   * What masking forbids before a statement runs (oracles, side channels, copies of masked values,
   * masks written back — by literal or bound parameter), then the record: a run waits until its
   * record is durable when the audit trail is write-ahead; a store that does not confirm within the
   * audit timeout, or fails, turns it into a refusal.
   */
  private CompletableFuture<Verdict> guardAndRecord(
      Admission admission, BoundParameters parameters) {
    Masking masking = masking();
    OutputMasks outputs = OutputMasks.NONE;
    if (masking != null && admission.allowed()) {
      MaskGuard.Verdict guard =
          MaskGuard.check(
              admission.statement(),
              masking,
              control.catalogs().columns(context.connection()),
              written(admission.statement(), parameters));
      if (guard.deny() != null) {
        return CompletableFuture.completedFuture(refuse(admission, guard.deny(), parameters));
      }
      outputs = guard.outputs();
    }
    if (!admission.allowed()) {
      return CompletableFuture.completedFuture(
          refuse(admission, (Decision.Deny) admission.decision(), parameters));
    }
    Admission recorded =
        control
            .pipeline()
            .record(context, admission, recordedParameters(admission.statement(), parameters));
    Verdict.Run run = new Verdict.Run(recorded, limits(recorded), masking, outputs);
    CompletableFuture<Void> durable = recorded.durable();
    if (durable == null) {
      return CompletableFuture.completedFuture(run);
    }
    if (durable.isDone()) {
      return CompletableFuture.completedFuture(
          durable.isCompletedExceptionally() ? unrecorded(run, durable, false) : run);
    }
    if (control.pipeline().audit().healthy()
        && Effects.free(
            admission.statement(), control.catalogs().functions(context.connection()))) {
      // Free of effects: it may run while its record is made durable; its result waits.
      return CompletableFuture.completedFuture(run.withDurable(withheld(durable)));
    }
    CompletableFuture<Verdict> verdict = new CompletableFuture<>();
    settle(
        durable,
        failure ->
            verdict.complete(
                failure == null
                    ? run
                    : unrecorded(run, durable, failure instanceof TimeoutException)));
    return verdict;
  }

  /**
   * Runs {@code settled} once, on the session's loop, with whichever comes first: the record's
   * durability (null), its failure, or a {@link TimeoutException} after {@code audit.timeout}.
   */
  private void settle(CompletableFuture<Void> durable, Consumer<Throwable> settled) {
    boolean[] done = {false};
    Consumer<Throwable> once =
        failure -> {
          if (!done[0]) {
            done[0] = true;
            settled.accept(failure);
          }
        };
    ScheduledFuture<?> timeout =
        link.loop()
            .schedule(
                () -> once.accept(new TimeoutException()),
                control.settings().auditTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    durable.whenComplete(
        (ok, failure) ->
            link.loop()
                .execute(
                    () -> {
                      timeout.cancel(false);
                      once.accept(failure);
                    }));
  }

  /**
   * When the result of a statement that ran before its record was durable may be released: the
   * record's durability, or its failure (the store's, or no answer within the audit timeout) — on
   * the session's loop.
   */
  private CompletableFuture<Void> withheld(CompletableFuture<Void> durable) {
    CompletableFuture<Void> release = new CompletableFuture<>();
    settle(
        durable,
        failure -> {
          if (failure == null) {
            release.complete(null);
          } else if (failure instanceof TimeoutException) {
            lost(
                release,
                "did not confirm the statement's record within "
                    + control.settings().auditTimeout().toMillis()
                    + " ms");
          } else {
            lost(release, "does not accept records");
          }
        });
    return release;
  }

  private void lost(CompletableFuture<Void> release, String why) {
    control.metrics().auditUnavailable();
    release.completeExceptionally(
        new AuditUnavailableException(
            "the audit trail "
                + why
                + " (rule audit-unavailable): the statement's result was withheld and the session"
                + " ended",
            null));
  }

  /** A statement whose record the audit trail did not accept: refused, never run. */
  private Verdict unrecorded(Verdict.Run run, CompletableFuture<Void> durable, boolean timedOut) {
    control.metrics().auditUnavailable();
    String why =
        timedOut
            ? "did not confirm the statement's record within "
                + control.settings().auditTimeout().toMillis()
                + " ms"
            : durable.exceptionNow() instanceof AuditUnavailableException
                ? "does not accept records"
                : "failed to record the statement";
    return refuse(
        run.admission(),
        new Decision.Deny(
            "audit-unavailable",
            "the audit trail " + why + "; Warden runs nothing it has not recorded",
            "retry shortly: statements run again as soon as the audit store accepts records (no"
                + " restart needed); tell the operator if it persists"),
        BoundParameters.NONE);
  }

  /** A refusal, recorded like any decision. */
  private Verdict refuse(Admission admission, Decision.Deny deny, BoundParameters parameters) {
    Admission denied = new Admission(admission.statementId(), admission.statement(), deny);
    return new Verdict.Refuse(
        control
            .pipeline()
            .record(context, denied, recordedParameters(admission.statement(), parameters)),
        deny);
  }

  private static Limits limits(Admission admission) {
    return admission.decision() instanceof Decision.Allow allow ? allow.limits() : Limits.NONE;
  }

  /**
   * Bind parameters as the audit records them: masked where they are written into masked columns.
   */
  private List<String> recordedParameters(Statement statement, BoundParameters parameters) {
    if (parameters.values().isEmpty()) {
      return List.of();
    }
    return MaskGuard.recordedParameters(
        statement, masking(), control.catalogs().columns(context.connection()), parameters.texts());
  }

  /** The values bound into written columns, by parameter number (to refuse a mask written back). */
  private static Map<Integer, String> written(Statement statement, BoundParameters parameters) {
    if (parameters.values().isEmpty()) {
      return Map.of();
    }
    Map<Integer, String> written = new HashMap<>();
    for (var part : statement.parts()) {
      for (ColumnUses.ColumnWrite write : part.columns().writes()) {
        String value = parameters.text(write.parameter());
        if (value != null) {
          written.put(write.parameter(), value);
        }
      }
    }
    return written;
  }
}
