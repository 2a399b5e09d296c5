package dev.warden.frontend.postgres;

import dev.warden.core.mask.OutputMasks;
import dev.warden.core.session.Admission;
import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.Target;

/**
 * One client message whose response has not yet come back from the database. The session keeps them
 * in order, so every RowDescription, DataRow and CommandComplete is attributed to the statement
 * that caused it, and a prepared statement or portal only counts as created once the database
 * confirmed it.
 */
final class InFlight {
  enum Kind {
    /** A simple-protocol Query: everything until ReadyForQuery belongs to it. */
    QUERY,
    /** A Parse: on ParseComplete its statement becomes the named prepared statement. */
    PARSE,
    /** A Bind: on BindComplete its statement becomes the named portal's. */
    BIND,
    /** Describe of a prepared statement: ParameterDescription, then RowDescription or NoData. */
    DESCRIBE_STATEMENT,
    /** Describe of a portal: RowDescription or NoData. */
    DESCRIBE_PORTAL,
    /** Execute of a portal: rows, then CommandComplete, EmptyQueryResponse or PortalSuspended. */
    EXECUTE,
    CLOSE,
    SYNC,
    /**
     * A denied Execute, replaced by a Parse the server rejects: only an ErrorResponse comes back,
     * which Warden replaces with its own; the server then skips to Sync as after any error.
     */
    DENIAL,
    /** A refusal answered by Warden itself, once every earlier response has gone out. */
    REFUSAL,
    /**
     * A Query Warden sends on its own (BEGIN, COMMIT, ROLLBACK, or a failing stand-in around a
     * write under a row limit). Its responses are not the client's: only what {@link #relayErrors}
     * and {@link #relayReady} say goes through.
     */
    INTERNAL_QUERY,
    /**
     * A Parse Warden sends on its own to fail the transaction after a write exceeded its limit; its
     * error is the server's echo of a refusal the client already has, and is dropped.
     */
    INTERNAL_FAILURE
  }

  static final InFlight SYNC = new InFlight(Kind.SYNC, null, null, null, null, null);

  final Kind kind;

  /** The prepared statement or portal a PARSE, BIND or CLOSE names. */
  final String name;

  final Target target;
  final Statement statement;
  final Admission admission;
  final ErrorResponse refusal;

  /**
   * For a denied statement, or a COPY FROM Warden failed (a mask written back): the error the
   * client gets instead of the server's.
   */
  ErrorResponse replacement;

  /** Rows returned so far, for QUERY and EXECUTE. Touched on the event loop only. */
  long rows;

  /** Rows of the current statement of a Query (each statement has its own row limit). */
  long statementRows;

  /** The policy's maxRowsReturned and maxRowsAffected for this statement; 0 for none. */
  long rowLimit;

  long writeLimit;

  /** Rows delivered by earlier Executes of the same portal (fetch-size batches). */
  long rowsBefore;

  /** The portal an EXECUTE runs. */
  String portal;

  /** Rows past the policy's maxRowsReturned are dropped (QUERY and EXECUTE). */
  boolean truncated;

  /**
   * A write under the policy's maxRowsAffected: Warden holds the client's next messages until it
   * has seen the command tag's count, and rolls the write back when the count is over.
   */
  boolean guarded;

  /** A guarded simple Query that Warden wrapped in its own BEGIN (the session was idle). */
  boolean wrapped;

  /** A guarded statement exceeded its limit: its remaining responses are dropped. */
  boolean overLimit;

  /** What the session sees masked, when anything (QUERY, EXECUTE, DESCRIBE_PORTAL); else null. */
  dev.warden.core.policy.Masking masking;

  /** The masks the analysis traced to the result's columns. */
  OutputMasks outputMasks = OutputMasks.NONE;

  /** The current result's mask plan (QUERY: per statement; EXECUTE: from its portal). */
  MaskPlan plan;

  boolean planResolved;

  /**
   * A Describe of a portal that Warden sent itself (the client described neither the portal nor its
   * statement): its RowDescription or NoData gives the portal's mask plan and goes no further.
   */
  boolean ownDescribe;

  /** For BIND under masking, and DESCRIBE_PORTAL: the prepared statement bound. */
  String boundStatement;

  java.util.List<Integer> resultFormats;

  /** The result as the client saw it, for the audit trail (null when results are not kept). */
  ResultCapture capture;

  /** When the statement was sent (for its duration in the audit trail). */
  final long startNanos = System.nanoTime();

  /** The current COPY … TO STDOUT's mask, when the session sees masked values. */
  CopyMask copyMask;

  /** A COPY whose rows cannot be masked: they are dropped and the statement ends in an error. */
  boolean copyRefused;

  /** For INTERNAL_QUERY: whether its ErrorResponse and its ReadyForQuery reach the client. */
  boolean relayErrors;

  boolean relayReady;

  /** The SQLSTATE of the error that ended a QUERY, or null. */
  String errorSqlState;

  private InFlight(
      Kind kind,
      String name,
      Target target,
      Statement statement,
      Admission admission,
      ErrorResponse refusal) {
    this(kind, name, target, statement, admission, refusal, null);
  }

  private InFlight(
      Kind kind,
      String name,
      Target target,
      Statement statement,
      Admission admission,
      ErrorResponse refusal,
      ErrorResponse replacement) {
    this.kind = kind;
    this.name = name;
    this.target = target;
    this.statement = statement;
    this.admission = admission;
    this.refusal = refusal;
    this.replacement = replacement;
  }

  /** A denied simple Query, replaced by a statement the server rejects. */
  static InFlight deniedQuery(Admission admission, ErrorResponse error) {
    return new InFlight(Kind.QUERY, null, null, admission.statement(), admission, null, error);
  }

  /** A denied Execute, replaced by a Parse the server rejects. */
  static InFlight deniedExecute(Admission admission, ErrorResponse error) {
    return new InFlight(Kind.DENIAL, null, null, admission.statement(), admission, null, error);
  }

  static InFlight query(Admission admission) {
    return new InFlight(Kind.QUERY, null, null, admission.statement(), admission, null);
  }

  static InFlight parse(String name, Statement statement) {
    return new InFlight(Kind.PARSE, name, Target.STATEMENT, statement, null, null);
  }

  static InFlight bind(String portal, Statement statement) {
    return new InFlight(Kind.BIND, portal, Target.PORTAL, statement, null, null);
  }

  static InFlight describeStatement(String statement, dev.warden.core.policy.Masking masking) {
    InFlight entry =
        new InFlight(Kind.DESCRIBE_STATEMENT, statement, Target.STATEMENT, null, null, null);
    entry.masking = masking;
    return entry;
  }

  /**
   * A Describe of {@code portal}, bound from prepared statement {@code statementName} to {@code
   * statement} as the portal was when the Describe went out (in a pipeline a later Bind may reuse
   * the name before the answer arrives).
   */
  static InFlight describePortal(
      String portal,
      String statementName,
      Statement statement,
      dev.warden.core.policy.Masking masking) {
    InFlight entry =
        new InFlight(Kind.DESCRIBE_PORTAL, portal, Target.PORTAL, statement, null, null);
    entry.masking = masking;
    entry.boundStatement = statementName;
    return entry;
  }

  static InFlight execute(Admission admission) {
    return new InFlight(Kind.EXECUTE, null, null, admission.statement(), admission, null);
  }

  static InFlight close(Target target, String name) {
    return new InFlight(Kind.CLOSE, name, target, null, null, null);
  }

  /** Warden's own Query; see {@link Kind#INTERNAL_QUERY}. */
  static InFlight internalQuery(boolean relayErrors, boolean relayReady) {
    InFlight entry = new InFlight(Kind.INTERNAL_QUERY, null, null, null, null, null);
    entry.relayErrors = relayErrors;
    entry.relayReady = relayReady;
    return entry;
  }

  static InFlight internalFailure() {
    return new InFlight(Kind.INTERNAL_FAILURE, null, null, null, null, null);
  }

  static InFlight refusal(ErrorResponse error) {
    return new InFlight(Kind.REFUSAL, null, null, null, null, error);
  }

  @Override
  public String toString() {
    return name == null ? kind.name() : kind + "(" + name + ")";
  }
}
