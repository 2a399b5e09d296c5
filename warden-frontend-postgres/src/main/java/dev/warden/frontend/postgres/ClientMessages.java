package dev.warden.frontend.postgres;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.Verdict;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.protocol.postgres.message.Bind;
import dev.warden.protocol.postgres.message.Close;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.CopyDone;
import dev.warden.protocol.postgres.message.CopyFail;
import dev.warden.protocol.postgres.message.Describe;
import dev.warden.protocol.postgres.message.Execute;
import dev.warden.protocol.postgres.message.Flush;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.FunctionCall;
import dev.warden.protocol.postgres.message.Parse;
import dev.warden.protocol.postgres.message.PasswordMessage;
import dev.warden.protocol.postgres.message.ProtocolViolation;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import dev.warden.protocol.postgres.message.SaslInitialResponse;
import dev.warden.protocol.postgres.message.SaslResponse;
import dev.warden.protocol.postgres.message.Sync;
import dev.warden.protocol.postgres.message.Target;
import dev.warden.protocol.postgres.message.Terminate;
import java.util.List;

/**
 * What each client message means for the session, once admitted: a Query or Execute runs as the
 * kernel's verdict says (refused through a stand-in; run with its masks, row limit and audit
 * capture; a guarded write holding what follows until its count is known), Parse, Bind, Describe
 * and Close are tracked in flight so every response is attributed, and COPY data is checked on its
 * way in. Each message that expects a response is queued in flight with what its responses need.
 */
final class ClientMessages {
  private final PostgresContext context;
  private final Session session;
  private final AdmissionWait admission;
  private final Descriptions descriptions = new Descriptions();
  private final CopyInRelay copyIn;
  private final Refusals refusals;
  private boolean terminating;
  private boolean guardedExecute;

  ClientMessages(PostgresContext context, Session session, AdmissionWait admission) {
    this.context = context;
    this.session = session;
    this.admission = admission;
    this.copyIn = new CopyInRelay(context, session);
    this.refusals = new Refusals(session);
  }

  /** The client ended the session (Terminate): after it goes on, both connections close. */
  boolean terminating() {
    return terminating;
  }

  /** The last message was a guarded Execute: a Flush must follow it. */
  boolean guardedExecute() {
    return guardedExecute;
  }

  /** Handles one message; true when its frame goes on to the database. */
  boolean relay(FrontendMessage message) {
    guardedExecute = false;
    return switch (message) {
      case Query m -> query(admission.take());
      case Parse m -> parse(m);
      case Bind m -> bind(m);
      case Describe m -> describe(m);
      case Execute m -> execute(m, admission.take());
      case Close m -> {
        if (m.target() == Target.STATEMENT) {
          descriptions.closedStatement(m.name());
        } else {
          descriptions.closedPortal(m.name());
        }
        session.expect(new CloseSent(m.target(), m.name()));
        yield true;
      }
      case Sync m -> {
        session.discardingUntilSync = false;
        session.inFlight.add(new SyncSent());
        yield true;
      }
      case Terminate m -> {
        // Forwarded first, so the database ends the session cleanly, then both close.
        terminating = true;
        yield true;
      }
      case Flush m -> true;
      case CopyData m -> copyIn.data(m);
      case CopyDone m -> copyIn.done();
      case CopyFail m -> copyIn.failed();
      case FunctionCall m -> {
        refusals.refuse(
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

  /** A simple Query, as the kernel admitted it. */
  private boolean query(Verdict verdict) {
    if (!(verdict instanceof Verdict.Run run)) {
      refusals.refuse(verdict, true);
      return false;
    }
    descriptions.forget(run.admission().statement());
    QuerySent entry = new QuerySent(run.admission());
    started(entry, run);
    long writeLimit = run.writeLimit();
    if (writeLimit > 0
        && session.transactionStatus != TransactionStatus.FAILED
        && !session.discardingUntilSync) {
      entry.guarded = true;
      entry.writeLimit = writeLimit;
      if (session.transactionStatus == TransactionStatus.IDLE) {
        // Autocommit: Warden opens the transaction itself, to be able to roll the write back.
        session.backend.write(new Query("BEGIN"), session.backend.voidPromise());
        session.expect(new InternalQuerySent(false, false, false));
        entry.wrapped = true;
      }
      session.hold = new Hold.ForWriteCount(entry);
    }
    session.expect(entry);
    return true;
  }

  private boolean parse(Parse m) {
    Statement statement = session.resolve(context.pipeline().analyze(m.sql()));
    if (statement.statementClass() == StatementClass.INVALID) {
      // Decided at Execute as a rule, but what does not parse must not reach the server at all.
      refusals.refuse(
          session.admissions.admit(statement, BoundParameters.NONE, false).join(), false);
      return false;
    }
    descriptions.parsed(m.statement());
    session.expect(new ParseSent(m.statement(), statement, m.parameterTypes()));
    return true;
  }

  private boolean bind(Bind m) {
    Prepared prepared = session.prepared(m.statement());
    descriptions.bound(m.portal(), m.statement());
    // As sent: the audit records them, an approval binds to them, the planner's estimate and the
    // write-back check read them.
    BoundParameters parameters =
        BindSent.parameters(m, prepared == null ? List.of() : prepared.parameterTypes());
    session.expect(
        new BindSent(
            m.portal(),
            m.statement(),
            prepared == null ? null : prepared.statement(),
            parameters,
            m.resultFormats(),
            session.admissions.masking()));
    return true;
  }

  private boolean describe(Describe m) {
    Masking masking = session.admissions.masking();
    if (m.target() == Target.STATEMENT) {
      descriptions.describedStatement(m.name());
      session.expect(DescribeSent.statement(m.name(), masking));
    } else {
      // A portal's description is its statement's too (with the Bind's result formats).
      String statement = descriptions.describedPortal(m.name());
      session.expect(
          DescribeSent.portal(
              m.name(), statement, session.portalStatement(m.name()), masking, false));
    }
    return true;
  }

  /** An Execute, as the kernel admitted it. */
  private boolean execute(Execute m, Verdict verdict) {
    if (!(verdict instanceof Verdict.Run run)) {
      refusals.refuse(verdict, false);
      return false;
    }
    describeIfUnknown(m.portal(), run.masking());
    ExecuteSent entry = new ExecuteSent(run.admission(), m.portal());
    started(entry, run);
    long writeLimit = run.writeLimit();
    if (writeLimit > 0 && !session.discardingUntilSync) {
      entry.guarded = true;
      entry.writeLimit = writeLimit;
      session.hold = new Hold.ForWriteCount(entry);
      guardedExecute = true;
    }
    session.expect(entry);
    return true;
  }

  /** What a statement that runs needs for its results: masks, row limit, capture, COPY check. */
  private void started(ResultsSent entry, Verdict.Run run) {
    copyIn.start(run.admission().statement(), run.masking(), entry);
    int captured = context.config().audit().resultRows();
    entry.capture =
        captured > 0 && context.pipeline().writeAhead() ? new ResultCapture(captured) : null;
    entry.masking = run.masking();
    entry.outputMasks = run.outputs();
    entry.rowLimit = run.limits().maxRowsReturned();
    entry.durable = run.durable();
  }

  /**
   * Masking needs the shape of every result before its first row: where neither the portal nor its
   * statement was described (a driver that caches the description re-sends only Bind and Execute),
   * Warden sends a Describe of the portal itself, just before the Execute, and keeps its answer to
   * itself.
   */
  private void describeIfUnknown(String portal, Masking masking) {
    if (masking == null || descriptions.known(portal)) {
      return;
    }
    String statement = descriptions.describedPortal(portal);
    session.backend.write(new Describe(Target.PORTAL, portal), session.backend.voidPromise());
    session.expect(
        DescribeSent.portal(portal, statement, session.portalStatement(portal), masking, true));
  }
}
