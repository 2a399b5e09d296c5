package dev.warden.frontend.postgres;

import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.audit.AuditUnavailableException;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Limits;
import dev.warden.core.policy.Masking;
import dev.warden.core.session.Admission;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.frontend.postgres.PlanEstimator.Bound;
import dev.warden.protocol.postgres.message.Bind;
import dev.warden.protocol.postgres.message.Close;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.CopyDone;
import dev.warden.protocol.postgres.message.CopyFail;
import dev.warden.protocol.postgres.message.Describe;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.Execute;
import dev.warden.protocol.postgres.message.Flush;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.FunctionCall;
import dev.warden.protocol.postgres.message.Parse;
import dev.warden.protocol.postgres.message.PasswordMessage;
import dev.warden.protocol.postgres.message.ProtocolViolation;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import dev.warden.protocol.postgres.message.SaslInitialResponse;
import dev.warden.protocol.postgres.message.SaslResponse;
import dev.warden.protocol.postgres.message.Sync;
import dev.warden.protocol.postgres.message.Target;
import dev.warden.protocol.postgres.message.Terminate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The command phase, client to database: each message is decoded, each statement goes through the
 * pipeline (analysis, decision, record), and only then is the original frame forwarded, unchanged.
 * Every forwarded message that expects a response is queued in flight.
 */
final class ClientRelayHandler extends ClientPhaseHandler {
  private static final Statement UNKNOWN_PORTAL = new Statement("", StatementClass.UNANALYZED);

  /** What the database gets instead of a denied statement: it fails to parse, harmlessly. */
  static final String DENIED_STATEMENT = "warden denied this statement";

  /** A prepared-statement name no client uses; a failed Parse never creates it. */
  static final String DENIED_STATEMENT_NAME = "__warden_denied";

  private final PostgresContext context;
  private final Session session;
  private boolean terminating;
  private boolean flushAfterForward;
  private ChannelHandlerContext ctx;
  private ApprovalWait approvals;

  /**
   * The decision for the Query or Execute being held until its audit record is durable
   * (write-ahead); taken when the message is relayed.
   */
  private Guarded decided;

  ClientRelayHandler(PostgresContext context, Session session) {
    super(context.metrics());
    this.context = context;
    this.session = session;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.approvals = new ApprovalWait(context, session, ctx);
    session.release = this::releaseHeld;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    if (!ctx.channel().isActive()) {
      frame.release(); // the rest of a read that ended the session
      return;
    }
    if (session.holding() && !(session.held.isEmpty() && isCopyInput(frame))) {
      // A guarded write is out: later messages wait until its row count is known. COPY data is
      // part of that write, so it passes.
      session.held.add(frame);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    process(ctx, frame);
  }

  private static boolean isCopyInput(ByteBuf frame) {
    byte type = frame.getByte(frame.readerIndex());
    return type == 'd' || type == 'c' || type == 'f';
  }

  private void process(ChannelHandlerContext ctx, ByteBuf frame) {
    if (frame.getByte(frame.readerIndex()) == 'Q'
        && !session.inFlight.isEmpty()
        && writeLimited()) {
      // A write under maxRowsAffected may need Warden's own BEGIN, which depends on the
      // transaction state once everything before it has finished: wait until then.
      session.waitingForIdle = true;
      session.held.addFirst(frame);
      ctx.channel().config().setAutoRead(false);
      return;
    }
    boolean forward = false;
    boolean held = false;
    try {
      FrontendMessage message = FrontendMessage.decode(frame);
      held = awaits(ctx, frame, message);
      if (held) {
        return; // the frame waits in session.held
      }
      forward = relay(message);
    } finally {
      if (held) {
        // kept
      } else if (forward) {
        session.backend.write(frame, session.backend.voidPromise());
        if (flushAfterForward) {
          // The guarded Execute's result must come back before the client's Sync is let through.
          session.backend.write(new Flush(), session.backend.voidPromise());
        }
      } else {
        frame.release();
      }
      flushAfterForward = false;
    }
    if (terminating) {
      session.backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      ctx.close();
    }
  }

  /**
   * Decides a Query or Execute before relaying it, and holds it (and everything after it) while its
   * decision needs something else: a person's approval (a hold rule), or — write-ahead — a durable
   * audit record. True when the frame is held; it comes back through {@link #process} once that has
   * happened, with the decision made.
   */
  private boolean awaits(ChannelHandlerContext ctx, ByteBuf frame, FrontendMessage message) {
    if (decided == null) {
      switch (message) {
        case Query q -> {
          decidedPortal = null;
          decided = decideQuery(q);
        }
        case Execute e -> {
          decidedPortal = e.portal();
          decided = decideExecute(e);
        }
        default -> {
          return false;
        }
      }
    }
    if (decided.admission().decision() instanceof Decision.Hold hold
        && !session.discardingUntilSync) {
      return awaitsApproval(ctx, frame, hold);
    }
    CompletableFuture<Void> durable = decided.admission().durable();
    if (durable == null) {
      return false;
    }
    if (durable.isDone()) {
      if (durable.isCompletedExceptionally()) {
        decided = unrecorded(decided, durable, false);
      }
      return false;
    }
    session.awaitingRecord = true;
    session.held.addFirst(frame);
    ctx.channel().config().setAutoRead(false);
    // The timeout runs on this event loop (no timer thread per statement); whichever of it and
    // the store's answer comes first settles the wait, on the event loop.
    boolean[] settled = {false};
    ScheduledFuture<?> timeout =
        ctx.executor()
            .schedule(
                () -> settle(settled, durable, true),
                context.config().audit().timeout().toMillis(),
                TimeUnit.MILLISECONDS);
    durable.whenComplete(
        (ok, failure) ->
            ctx.executor()
                .execute(
                    () -> {
                      timeout.cancel(false);
                      settle(settled, durable, false);
                    }));
    return true;
  }

  /** The portal of the Execute being decided (null for a Query). */
  private String decidedPortal;

  /**
   * A held statement: it and everything after it wait in the session while its approval runs its
   * course ({@link ApprovalWait}); then it runs or is refused like any decided statement.
   */
  private boolean awaitsApproval(ChannelHandlerContext ctx, ByteBuf frame, Decision.Hold hold) {
    List<String> parameters = ApprovalWait.recordedParameters(session, decidedPortal);
    session.held.addFirst(frame);
    ctx.channel().config().setAutoRead(false);
    approvals.begin(
        decided.admission(),
        hold,
        decidedPortal,
        parameters,
        verdict -> approvalEnded(hold, verdict, parameters));
    return true;
  }

  /**
   * The held statement's approval ended: approved, it still goes through masking's checks and the
   * write-ahead record; refused, the client is told why.
   */
  private void approvalEnded(
      Decision.Hold hold, ApprovalWait.Verdict verdict, List<String> parameters) {
    Admission admission = decided.admission();
    switch (verdict) {
      case ApprovalWait.Verdict.Run run -> {
        Admission allowed =
            new Admission(
                admission.statementId(),
                admission.statement(),
                new Decision.Allow(hold.rule(), hold.limits()));
        decided = recorded(guard(allowed, decidedPortal), parameters);
        if (run.approved() != null && decided.admission().allowed()) {
          context.approvals().executed(run.approved());
        }
        if (run.claimed() != null && !decided.admission().allowed()) {
          // Refused after all (masking): the ask-mode approval is not spent.
          ApprovalRequest claimed = run.claimed();
          context.blockingExecutor().execute(() -> context.approvals().unclaim(claimed));
        }
      }
      case ApprovalWait.Verdict.Refuse refuse ->
          decided = denied(decided, refuse.deny(), parameters);
    }
    releaseHeld();
  }

  private Guarded denied(Guarded guarded, Decision.Deny deny, List<String> parameters) {
    Admission admission = guarded.admission();
    return recorded(
        new Guarded(
            new Admission(admission.statementId(), admission.statement(), deny),
            guarded.masking(),
            OutputMasks.NONE),
        parameters);
  }

  /** Ends a wait for an audit record: the held statement runs, or is refused. */
  private void settle(boolean[] settled, CompletableFuture<Void> durable, boolean timedOut) {
    if (settled[0]) {
      return;
    }
    settled[0] = true;
    session.awaitingRecord = false;
    if (timedOut || durable.isCompletedExceptionally()) {
      decided = unrecorded(decided, durable, timedOut);
    }
    releaseHeld();
  }

  /** A statement whose record the audit store did not accept: refused, never forwarded. */
  private Guarded unrecorded(Guarded guarded, CompletableFuture<Void> durable, boolean timedOut) {
    context.metrics().auditUnavailable();
    String why =
        timedOut
            ? "did not confirm the statement's record within "
                + context.config().audit().timeout().toMillis()
                + " ms"
            : durable.exceptionNow() instanceof AuditUnavailableException
                ? "does not accept records"
                : "failed to record the statement";
    return denied(
        guarded,
        new Decision.Deny(
            "audit-unavailable",
            "the audit trail " + why + "; Warden runs nothing it has not recorded",
            "retry shortly: statements run again as soon as the audit store accepts records (no"
                + " restart needed); tell the operator if it persists"),
        List.of());
  }

  /** A capture of the result for the audit trail, when results are recorded. */
  private ResultCapture capture() {
    int rows = context.config().audit().resultRows();
    return rows > 0 && context.pipeline().writeAhead() ? new ResultCapture(rows) : null;
  }

  private Guarded takeDecided() {
    Guarded guarded = decided;
    decided = null;
    return guarded;
  }

  /**
   * Lets held messages through once the guard that held them has ended (on the event loop). It runs
   * as a task of its own, outside any read: a held frame that fails to decode (or anything else
   * that fails here) must end the session as it would in a read — 08P01 and close, the database
   * connection closed without flushing what was written for it — and never escape to the event
   * loop, which would leave the session open, unflushed and not reading.
   */
  private void releaseHeld() {
    try {
      while (!session.holding() && !session.held.isEmpty() && ctx.channel().isActive()) {
        process(ctx, session.held.poll());
      }
    } catch (Throwable failure) {
      session.held.forEach(ByteBuf::release);
      session.held.clear();
      exceptionCaught(ctx, failure);
      return;
    }
    if (!session.holding()) {
      ctx.channel().config().setAutoRead(session.backend.isWritable());
    }
    session.backend.flush();
  }

  private boolean writeLimited() {
    return context
            .pipeline()
            .sessionLimits(session.context.roles(), session.context.connection())
            .maxRowsAffected()
        > 0;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (session.pendingApproval != null) {
      context.approvals().cancel(session.pendingApproval, "the client disconnected");
      session.pendingApproval = null;
    }
    session.held.forEach(ByteBuf::release);
    session.held.clear();
    ctx.fireChannelInactive();
  }

  /** Handles one message; true when its frame goes on to the database. */
  private boolean relay(FrontendMessage message) {
    return switch (message) {
      case Query m -> {
        Guarded guarded = takeDecided(); // decided in awaits
        Admission admission = guarded.admission();
        if (!admission.allowed()) {
          deny(admission, true);
          yield false;
        }
        forgetDescriptions(admission.statement());
        InFlight entry = InFlight.query(admission);
        checkCopyIn(admission.statement(), guarded.masking(), entry);
        entry.capture = capture();
        entry.masking = guarded.masking();
        entry.outputMasks = guarded.outputs();
        Limits limits = limits(admission);
        entry.rowLimit = limits.maxRowsReturned();
        if (limits.maxRowsAffected() > 0
            && writes(admission.statement())
            && session.transactionStatus != TransactionStatus.FAILED
            && !session.discardingUntilSync) {
          entry.guarded = true;
          entry.writeLimit = limits.maxRowsAffected();
          if (session.transactionStatus == TransactionStatus.IDLE) {
            // Autocommit: Warden opens the transaction itself, to be able to roll the write back.
            session.backend.write(new Query("BEGIN"), session.backend.voidPromise());
            expect(InFlight.internalQuery(false, false));
            entry.wrapped = true;
          }
          session.guard = entry;
        }
        expect(entry);
        yield true;
      }
      case Parse m -> {
        Statement statement = session.resolve(context.pipeline().analyze(m.sql()));
        if (statement.statementClass() == StatementClass.INVALID) {
          // Decided at Execute as a rule, but what does not parse must not reach the server at all.
          deny(context.pipeline().record(session.context, admit(statement), List.of()), false);
          yield false;
        }
        session.describedStatements.remove(m.statement());
        if (m.parameterTypes().isEmpty()) {
          session.preparedParameterTypes.remove(m.statement());
        } else {
          session.preparedParameterTypes.put(m.statement(), m.parameterTypes());
        }
        expect(InFlight.parse(m.statement(), statement));
        yield true;
      }
      case Bind m -> {
        InFlight bind = InFlight.bind(m.portal(), session.preparedStatement(m.statement()));
        session.portalStatements.put(m.portal(), m.statement());
        if (session.describedStatements.contains(m.statement())) {
          session.describedPortals.add(m.portal());
        } else {
          session.describedPortals.remove(m.portal());
        }
        bind.masking = masking();
        session.portalParameters.remove(m.portal());
        session.portalAuditParameters.remove(m.portal());
        if (context.pipeline().writeAhead()) {
          var described = session.describedColumns.get("S" + m.statement());
          if (described != null) {
            session.describedColumns.put("P" + m.portal(), described);
          } else {
            session.describedColumns.remove("P" + m.portal());
          }
        }
        session.portalBound.put(
            m.portal(),
            Bound.of(m, session.preparedParameterTypes.getOrDefault(m.statement(), List.of())));
        if (!m.parameters().isEmpty()) {
          // For the audit record and, should the statement be held, the approval request.
          session.portalAuditParameters.put(
              m.portal(),
              MaskingGuard.recordedParameters(
                  bind.statement,
                  bind.masking,
                  context.catalogs().columns(session.context.connection()),
                  m.parameterFormats(),
                  m.parameters()));
        }
        if (bind.masking != null && bind.statement != null) {
          // Values bound into written columns, to refuse a mask written back.
          Map<Integer, String> written = new HashMap<>();
          for (var part : bind.statement.parts()) {
            for (var write : part.columns().writes()) {
              int n = write.parameter();
              if (n > 0 && n <= m.parameters().size() && m.parameters().get(n - 1) != null) {
                written.put(n, m.parameters().get(n - 1).toString(StandardCharsets.UTF_8));
              }
            }
          }
          if (!written.isEmpty()) {
            session.portalParameters.put(m.portal(), written);
          }
        }
        if (bind.masking != null) {
          bind.boundStatement = m.statement();
          bind.resultFormats = m.resultFormats();
        }
        expect(bind);
        yield true;
      }
      case Describe m -> {
        if (m.target() == Target.STATEMENT) {
          session.describedStatements.add(m.name());
          expect(InFlight.describeStatement(m.name(), masking()));
        } else {
          // A portal's description is its statement's too (with the Bind's result formats).
          String statement = session.portalStatements.get(m.name());
          session.describedPortals.add(m.name());
          if (statement != null) {
            session.describedStatements.add(statement);
          }
          expect(InFlight.describePortal(m.name(), statement, session.portal(m.name()), masking()));
        }
        yield true;
      }
      case Execute m -> {
        Guarded guarded = takeDecided(); // decided in awaits
        Admission admission = guarded.admission();
        if (!admission.allowed()) {
          deny(admission, false);
          yield false;
        }
        describeIfUnknown(m.portal(), guarded.masking());
        InFlight entry = InFlight.execute(admission);
        checkCopyIn(admission.statement(), guarded.masking(), entry);
        entry.capture = capture();
        if (entry.capture != null) {
          entry.capture.columns =
              session.describedColumns.getOrDefault("P" + m.portal(), List.of());
        }
        entry.masking = guarded.masking();
        entry.outputMasks = guarded.outputs();
        entry.portal = m.portal();
        entry.rowsBefore = session.portalRows.getOrDefault(m.portal(), 0L);
        Limits limits = limits(admission);
        entry.rowLimit = limits.maxRowsReturned();
        if (limits.maxRowsAffected() > 0
            && writes(admission.statement())
            && !session.discardingUntilSync) {
          entry.guarded = true;
          entry.writeLimit = limits.maxRowsAffected();
          session.guard = entry;
          flushAfterForward = true;
        }
        expect(entry);
        yield true;
      }
      case Close m -> {
        if (m.target() == Target.STATEMENT) {
          session.describedStatements.remove(m.name());
        } else {
          session.describedPortals.remove(m.name());
          session.portalStatements.remove(m.name());
        }
        expect(InFlight.close(m.target(), m.name()));
        yield true;
      }
      case Sync m -> {
        session.discardingUntilSync = false;
        session.inFlight.add(InFlight.SYNC);
        yield true;
      }
      case Terminate m -> {
        // Forwarded first (below), so the database ends the session cleanly, then both close.
        terminating = true;
        yield true;
      }
      case Flush m -> true;
      case CopyData m -> copyData(m);
      case CopyDone m -> copyDone();
      case CopyFail m -> {
        boolean refused = session.copyInRefused;
        endCopyIn();
        yield !refused;
      }
      case FunctionCall m -> {
        refuse(
            new WardenException(
                ErrorCode.FEATURE_NOT_SUPPORTED,
                "the function-call protocol message is not supported through Warden",
                "call the function with SELECT instead, so policy can see it"));
        yield false;
      }
      case PasswordMessage m ->
          throw new ProtocolViolation("password message after authentication");
      case SaslInitialResponse m ->
          throw new ProtocolViolation("password message after authentication");
      case SaslResponse m -> throw new ProtocolViolation("password message after authentication");
    };
  }

  /**
   * Masking needs the shape of every result before its first row: where neither the portal nor its
   * statement was described (a driver that caches the description re-sends only Bind and Execute),
   * Warden sends a Describe of the portal itself, just before the Execute, and keeps its answer to
   * itself.
   */
  private void describeIfUnknown(String portal, Masking masking) {
    if (masking == null || session.describedPortals.contains(portal)) {
      return;
    }
    String statement = session.portalStatements.get(portal);
    InFlight describe = InFlight.describePortal(portal, statement, session.portal(portal), masking);
    describe.ownDescribe = true;
    session.backend.write(new Describe(Target.PORTAL, portal), session.backend.voidPromise());
    expect(describe);
    session.describedPortals.add(portal);
    if (statement != null) {
      session.describedStatements.add(statement);
    }
  }

  /** A COPY FROM STDIN of masked columns: its rows are checked as they stream in. */
  private void checkCopyIn(Statement statement, Masking masking, InFlight entry) {
    endCopyIn();
    if (masking != null) {
      session.copyIn =
          MaskingGuard.copyIn(
              statement, masking, context.catalogs().columns(session.context.connection()));
      session.copyInEntry = session.copyIn == null ? null : entry;
    }
  }

  private void endCopyIn() {
    session.copyIn = null;
    session.copyInEntry = null;
    session.copyInRefused = false;
  }

  /** A row of COPY data: relayed, unless it (or an earlier one) writes a mask back. */
  private boolean copyData(CopyData m) {
    if (session.copyInRefused) {
      return false; // the server has failed the COPY and would drop it anyway
    }
    if (session.copyIn == null) {
      return true;
    }
    int field = session.copyIn.feed(m.data());
    if (field == 0) {
      return true;
    }
    failCopy(field);
    return false;
  }

  private boolean copyDone() {
    if (session.copyInRefused) {
      endCopyIn();
      return false;
    }
    if (session.copyIn != null) {
      int field = session.copyIn.finish();
      if (field != 0) {
        failCopy(field);
        endCopyIn();
        return false;
      }
    }
    endCopyIn();
    return true;
  }

  /**
   * Fails the COPY before the database commits anything: it gets a CopyFail in place of the row,
   * and its error is replaced by Warden's, naming the rule.
   */
  private void failCopy(int field) {
    Decision.Deny deny = MaskingGuard.copyWriteBack(field);
    session.copyInRefused = true;
    if (session.copyInEntry != null) {
      session.copyInEntry.replacement = PostgresErrors.error(denial(deny));
    }
    session.backend.write(
        new CopyFail("warden: denied by rule " + deny.rule()), session.backend.voidPromise());
  }

  /**
   * SQL can redefine or drop what the protocol names too (PREPARE, DEALLOCATE, DISCARD ALL; a
   * cursor is a portal): Warden no longer knows those names' result shapes.
   */
  private void forgetDescriptions(Statement statement) {
    for (var part : statement.parts()) {
      String name = part.name();
      switch (part.verb()) {
        case "PREPARE", "DEALLOCATE" -> {
          if (name == null) {
            session.describedStatements.clear();
          } else {
            session.describedStatements.remove(name);
          }
        }
        case "DECLARE", "CLOSE" -> {
          if (name != null) {
            session.describedPortals.remove(name);
          }
        }
        case "DISCARD" -> {
          session.describedStatements.clear();
          session.describedPortals.clear();
        }
        default -> {}
      }
    }
  }

  private static Limits limits(Admission admission) {
    return admission.decision() instanceof Decision.Allow allow ? allow.limits() : Limits.NONE;
  }

  private static boolean writes(Statement statement) {
    for (var part : statement.parts()) {
      if (!part.writes().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /** What this session sees masked, or null when nothing is (results then pass untouched). */
  private Masking masking() {
    Masking masking =
        context.pipeline().masking(session.context.roles(), session.context.connection());
    return masking.active() ? masking : null;
  }

  /**
   * An admission after masking's own checks, with what its result needs: the session's masking
   * (null when nothing is masked) and the outputs to mask as a whole.
   */
  private record Guarded(Admission admission, Masking masking, OutputMasks outputs) {}

  /**
   * What masking forbids before a statement runs (oracles, values computed from masked columns,
   * mask tokens written back — by literal, or by the values bound to {@code portal} —, COPY of
   * masked tables; see {@link MaskingGuard}). A denial is recorded like any other decision.
   */
  private Guarded guard(Admission admission, String portal) {
    Masking masking = masking();
    if (masking == null || !admission.allowed()) {
      return new Guarded(admission, masking, OutputMasks.NONE);
    }
    MaskingGuard.Verdict verdict =
        MaskingGuard.check(
            admission.statement(),
            masking,
            context.catalogs().columns(session.context.connection()),
            portal == null ? Map.of() : session.portalParameters.getOrDefault(portal, Map.of()));
    if (verdict.deny() == null) {
      return new Guarded(admission, masking, verdict.outputs());
    }
    return new Guarded(
        new Admission(admission.statementId(), admission.statement(), verdict.deny()),
        masking,
        OutputMasks.NONE);
  }

  /** Records a guarded decision (write-ahead: with the future of its durability). */
  private Guarded recorded(Guarded guarded, List<String> parameters) {
    return new Guarded(
        context.pipeline().record(session.context, guarded.admission(), parameters),
        guarded.masking(),
        guarded.outputs());
  }

  /** Decides and records a simple Query's statement. */
  private Guarded decideQuery(Query m) {
    return recorded(
        guard(admit(session.resolve(context.pipeline().analyze(m.sql()))), null), List.of());
  }

  /** Decides and records an Execute's portal, with its bind parameters. */
  private Guarded decideExecute(Execute m) {
    Statement statement = session.portal(m.portal());
    return recorded(
        guard(admit(statement == null ? UNKNOWN_PORTAL : statement), m.portal()),
        session.portalAuditParameters.getOrDefault(m.portal(), List.of()));
  }

  /**
   * Decides a statement (not yet recorded: see {@link #recorded}). What the policy leaves to
   * default deny or holds for approval, an active just-in-time grant may allow.
   */
  private Admission admit(Statement statement) {
    context.metrics().statement();
    var functions = context.catalogs().get(session.context.connection());
    Admission admission =
        context.pipeline().decide(session.context, session.nextStatementId(), statement, functions);
    boolean grantable =
        admission.decision() instanceof Decision.Hold
            || (admission.decision() instanceof Decision.Deny deny
                && deny.rule().equals(DeclarativePolicyEngine.DEFAULT_DENY));
    if (grantable) {
      var granted = context.grants().decide(session.context, statement, functions);
      if (granted.isPresent()) {
        return new Admission(admission.statementId(), statement, granted.get());
      }
    }
    return admission;
  }

  /** Queues a message that expects a response, unless the database is discarding until Sync. */
  private void expect(InFlight entry) {
    if (!session.discardingUntilSync) {
      session.inFlight.add(entry);
    }
  }

  /**
   * A denied statement never reaches the database. In its place the database gets a statement it
   * rejects, so that PostgreSQL's own transaction semantics hold: inside a transaction block the
   * transaction is failed (a later COMMIT commits nothing), and in the extended protocol the server
   * skips to Sync. Its error is replaced by Warden's, naming the rule.
   */
  private void deny(Admission admission, boolean simpleQuery) {
    ErrorResponse error = PostgresErrors.error(denial(admission.decision()));
    if (simpleQuery) {
      session.backend.write(new Query(DENIED_STATEMENT), session.backend.voidPromise());
      expect(InFlight.deniedQuery(admission, error));
    } else {
      session.backend.write(
          new Parse(DENIED_STATEMENT_NAME, DENIED_STATEMENT, List.of()),
          session.backend.voidPromise());
      expect(InFlight.deniedExecute(admission, error));
    }
  }

  private static WardenException denial(Decision decision) {
    return switch (decision) {
      case Decision.Deny d ->
          new WardenException(
              ErrorCode.ACCESS_DENIED, "denied by rule " + d.rule() + ": " + d.reason(), d.hint());
      case Decision.Hold h ->
          new WardenException(
              ErrorCode.ACCESS_DENIED,
              "statement requires approval (rule " + h.rule() + "): " + h.reason(),
              "approvals are not available in this release: ask an administrator to run it, or to change the policy");
      case Decision.Allow a -> throw new IllegalStateException("denying an allowed statement");
    };
  }

  /** Answers with an error and ReadyForQuery, after every response still owed to the client. */
  private void refuse(WardenException e) {
    ErrorResponse error = PostgresErrors.error(e);
    if (session.inFlight.isEmpty()) {
      session.client.write(error);
      session.client.writeAndFlush(new ReadyForQuery(session.transactionStatus));
    } else {
      session.inFlight.add(InFlight.refusal(error));
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    session.backend.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // Backpressure: stop reading from the database while the client cannot keep up.
    session.backend.config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent
        && session.inFlight.isEmpty()
        && session.pendingApproval == null) {
      PostgresErrors.failAndClose(
          ctx.channel(),
          new WardenException(
              ErrorCode.IDLE_TIMEOUT,
              "terminating session idle for more than " + context.config().limits().idleTimeout(),
              "reconnect; limits.idleTimeout sets how long a session may stay idle"));
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  void onFailure(ChannelHandlerContext ctx) {
    session.backend.close();
  }
}
