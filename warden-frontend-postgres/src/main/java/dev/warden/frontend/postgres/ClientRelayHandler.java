package dev.warden.frontend.postgres;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.Verdict;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.mask.MaskGuard;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Limits;
import dev.warden.core.policy.Masking;
import dev.warden.core.session.Admission;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
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
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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

  /**
   * The kernel's verdict on the Query or Execute being processed (it may have waited, held, for its
   * audit record or an approval); taken when the message is relayed.
   */
  private Verdict decided;

  ClientRelayHandler(PostgresContext context, Session session) {
    super(context.metrics());
    this.context = context;
    this.session = session;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
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
   * Has the kernel admit a Query or Execute before it is relayed, and holds it (and everything
   * after it) while the verdict needs something else — a person's approval (a hold rule), or the
   * audit record's durability (write-ahead). True when the frame is held; it comes back through
   * {@link #process} with the verdict once there is one.
   */
  private boolean awaits(ChannelHandlerContext ctx, ByteBuf frame, FrontendMessage message) {
    if (decided != null) {
      return false;
    }
    boolean mayHold = !session.discardingUntilSync;
    CompletableFuture<Verdict> verdict =
        switch (message) {
          case Query q ->
              session.admissions.admit(
                  session.resolve(context.pipeline().analyze(q.sql())),
                  BoundParameters.NONE,
                  mayHold);
          case Execute e -> {
            Statement statement = session.portal(e.portal());
            yield session.admissions.admit(
                statement == null ? UNKNOWN_PORTAL : statement,
                session.portalBound.getOrDefault(e.portal(), BoundParameters.NONE),
                mayHold);
          }
          default -> null;
        };
    if (verdict == null) {
      return false;
    }
    if (verdict.isDone()) {
      decided = verdict.join();
      return false;
    }
    session.admitting = true;
    session.held.addFirst(frame);
    ctx.channel().config().setAutoRead(false);
    // The kernel completes it on this session's event loop.
    verdict.whenComplete(
        (v, failure) -> {
          session.admitting = false;
          if (failure != null) {
            session.held.forEach(ByteBuf::release);
            session.held.clear();
            exceptionCaught(ctx, failure);
            return;
          }
          decided = v;
          releaseHeld();
        });
    return true;
  }

  /** A capture of the result for the audit trail, when results are recorded. */
  private ResultCapture capture() {
    int rows = context.config().audit().resultRows();
    return rows > 0 && context.pipeline().writeAhead() ? new ResultCapture(rows) : null;
  }

  private Verdict takeDecided() {
    Verdict verdict = decided;
    decided = null;
    return verdict;
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
    session.admissions.closed();
    session.held.forEach(ByteBuf::release);
    session.held.clear();
    ctx.fireChannelInactive();
  }

  /** Handles one message; true when its frame goes on to the database. */
  private boolean relay(FrontendMessage message) {
    return switch (message) {
      case Query m -> {
        Verdict verdict = takeDecided(); // admitted in awaits
        if (!(verdict instanceof Verdict.Run run)) {
          refuse(verdict, true);
          yield false;
        }
        Admission admission = run.admission();
        forgetDescriptions(admission.statement());
        InFlight entry = InFlight.query(admission);
        checkCopyIn(admission.statement(), run.masking(), entry);
        entry.capture = capture();
        entry.masking = run.masking();
        entry.outputMasks = run.outputs();
        Limits limits = run.limits();
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
          refuse(session.admissions.admit(statement, BoundParameters.NONE, false).join(), false);
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
        bind.masking = session.admissions.masking();
        if (context.pipeline().writeAhead()) {
          var described = session.describedColumns.get("S" + m.statement());
          if (described != null) {
            session.describedColumns.put("P" + m.portal(), described);
          } else {
            session.describedColumns.remove("P" + m.portal());
          }
        }
        // As sent: the audit records them, an approval binds to them, the planner's estimate and
        // the write-back check read them.
        session.portalBound.put(
            m.portal(),
            parameters(m, session.preparedParameterTypes.getOrDefault(m.statement(), List.of())));
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
          expect(InFlight.describeStatement(m.name(), session.admissions.masking()));
        } else {
          // A portal's description is its statement's too (with the Bind's result formats).
          String statement = session.portalStatements.get(m.name());
          session.describedPortals.add(m.name());
          if (statement != null) {
            session.describedStatements.add(statement);
          }
          expect(
              InFlight.describePortal(
                  m.name(), statement, session.portal(m.name()), session.admissions.masking()));
        }
        yield true;
      }
      case Execute m -> {
        Verdict verdict = takeDecided(); // admitted in awaits
        if (!(verdict instanceof Verdict.Run run)) {
          refuse(verdict, false);
          yield false;
        }
        Admission admission = run.admission();
        describeIfUnknown(m.portal(), run.masking());
        InFlight entry = InFlight.execute(admission);
        checkCopyIn(admission.statement(), run.masking(), entry);
        entry.capture = capture();
        if (entry.capture != null) {
          entry.capture.columns =
              session.describedColumns.getOrDefault("P" + m.portal(), List.of());
        }
        entry.masking = run.masking();
        entry.outputMasks = run.outputs();
        entry.portal = m.portal();
        entry.rowsBefore = session.portalRows.getOrDefault(m.portal(), 0L);
        Limits limits = run.limits();
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
      MaskGuard.CopyIn copy =
          MaskGuard.copyIn(
              statement, masking, context.catalogs().columns(session.context.connection()));
      session.copyIn = copy == null ? null : new CopyInCheck(copy.format(), copy.masked());
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
    Decision.Deny deny = MaskGuard.copyWriteBack(field);
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

  /**
   * A Bind's parameters as sent, copied (the frame goes on to the database), with Parse's types.
   */
  private static BoundParameters parameters(Bind m, List<Integer> types) {
    if (m.parameters().isEmpty()) {
      return types.isEmpty()
          ? BoundParameters.NONE
          : new BoundParameters(types, List.of(), List.of());
    }
    List<byte[]> values = new ArrayList<>(m.parameters().size());
    for (ByteBuf p : m.parameters()) {
      values.add(p == null ? null : ByteBufUtil.getBytes(p));
    }
    return new BoundParameters(types, m.parameterFormats(), values);
  }

  /** Queues a message that expects a response, unless the database is discarding until Sync. */
  private void expect(InFlight entry) {
    if (!session.discardingUntilSync) {
      session.inFlight.add(entry);
    }
  }

  /**
   * A refused statement never reaches the database. In its place the database gets a statement it
   * rejects, so that PostgreSQL's own transaction semantics hold: inside a transaction block the
   * transaction is failed (a later COMMIT commits nothing), and in the extended protocol the server
   * skips to Sync. Its error is replaced by Warden's, naming the rule.
   */
  private void refuse(Verdict verdict, boolean simpleQuery) {
    Decision.Deny deny =
        verdict instanceof Verdict.Refuse r
            ? r.deny()
            : new Decision.Deny(DeclarativePolicyEngine.DEFAULT_DENY, "not admitted", null);
    ErrorResponse error = PostgresErrors.error(denial(deny));
    Admission admission = verdict.admission();
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

  private static WardenException denial(Decision.Deny deny) {
    return new WardenException(
        ErrorCode.ACCESS_DENIED,
        "denied by rule " + deny.rule() + ": " + deny.reason(),
        deny.hint());
  }

  /** Whether a statement writes a table (a write under maxRowsAffected is guarded). */
  private static boolean writes(Statement statement) {
    for (var part : statement.parts()) {
      if (!part.writes().isEmpty()) {
        return true;
      }
    }
    return false;
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
        && session.admissions.pendingApproval() == null) {
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
