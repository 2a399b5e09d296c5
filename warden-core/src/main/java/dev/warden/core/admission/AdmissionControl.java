package dev.warden.core.admission;

import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.Grants;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.CredentialShapes;
import dev.warden.core.session.SessionContext;
import dev.warden.core.session.StatementPipeline;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enforcement kernel: every statement, whichever door it came through (the PostgreSQL or MySQL
 * wire protocol, MCP, the console), is admitted here — analysed by the door, then decided by the
 * policy, widened by a just-in-time grant, checked by masking's guard, recorded write-ahead, and
 * held for a person's approval where a rule says so — and comes back as one {@link Verdict}. A door
 * only carries bytes to it and the verdict back to the wire, so the same statement by the same
 * identity gets the same decision, masks, hold and record through every door.
 */
public final class AdmissionControl {
  private static final Logger LOG = LoggerFactory.getLogger(AdmissionControl.class);

  private final StatementPipeline pipeline;
  private final Grants grants;
  private final Approvals approvals;
  private final Catalogs catalogs;
  private final ExecutorService blockingExecutor;
  private final AdmissionMetrics metrics;
  private final AdmissionSettings settings;

  /**
   * @param blockingExecutor where work that may block runs (approval stores, the planner's
   *     estimate), never a session's loop
   */
  public AdmissionControl(
      StatementPipeline pipeline,
      Grants grants,
      Approvals approvals,
      Catalogs catalogs,
      ExecutorService blockingExecutor,
      AdmissionMetrics metrics,
      AdmissionSettings settings) {
    this.pipeline = pipeline;
    this.grants = grants;
    this.approvals = approvals;
    this.catalogs = catalogs;
    this.blockingExecutor = blockingExecutor;
    this.metrics = metrics;
    this.settings = settings;
  }

  /**
   * A client failed to authenticate: recorded (a user name that looks like a credential is not) and
   * counted. Returns what the client is told: the failure, with a hint when the user name looks
   * like a token or key — {@code passwordField} says where this door's clients put the password.
   */
  public WardenException authenticationFailed(
      String client, String user, Throwable failure, String passwordField) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    WardenException e =
        cause instanceof WardenException w
            ? w
            : new WardenException(
                ErrorCode.INTERNAL, "authentication failed unexpectedly", null, cause);
    if (e.code() == ErrorCode.INTERNAL) {
      LOG.error("authentication of client {} failed unexpectedly", client, cause);
    }
    metrics.authenticationFailed();
    pipeline
        .audit()
        .append(
            new AuditEvent.AuthenticationFailed(
                pipeline.clock().instant(),
                client,
                CredentialShapes.redactName(user),
                CredentialShapes.redact(e.getMessage())));
    if (user != null && !user.equals(CredentialShapes.redactName(user))) {
      // A token in the user field (psql -U "$TOKEN") is a common mistake.
      return new WardenException(
          e.code(),
          e.getMessage(),
          "the user name looks like a token or key: pass it as the password ("
              + passwordField
              + ") and use any user name; it was not logged");
    }
    return e;
  }

  /**
   * Whether an authenticated identity may open a session on a connection: the session's context (a
   * new session id), or the refusal — the connection is not registered ({@code registered} false),
   * or this identity may not use it — with the connections it may use.
   */
  public SessionContext authorize(
      Authenticated who, String connection, boolean registered, String client, String application) {
    if (!registered) {
      throw new WardenException(
          ErrorCode.UNKNOWN_CONNECTION,
          "connection \"" + connection + "\" is not registered in Warden",
          connectionsHint(who));
    }
    if (!who.mayUse(connection)) {
      throw new WardenException(
          ErrorCode.ACCESS_DENIED,
          "identity \""
              + who.identity().subject()
              + "\" may not use connection \""
              + connection
              + "\"",
          connectionsHint(who));
    }
    return new SessionContext(
        UUID.randomUUID().toString(), who.identity(), who.roles(), connection, client, application);
  }

  private static String connectionsHint(Authenticated who) {
    return who.connections().isEmpty()
        ? "this identity may use no connection; ask an administrator"
        : "set the database name to a connection you may use: "
            + String.join(", ", who.connections().stream().sorted().toList());
  }

  /** Admission for one session, whose client the door reaches through {@code link}. */
  public SessionAdmission open(SessionContext session, SessionLink link) {
    return open(session, link, SessionOptions.NONE);
  }

  /** The same, with what the door asks beyond the policy ({@link SessionOptions}). */
  public SessionAdmission open(SessionContext session, SessionLink link, SessionOptions options) {
    return new SessionAdmission(this, session, link, options);
  }

  /** Statements admitted to run and not yet completed, over every session of every door. */
  private final java.util.concurrent.atomic.AtomicInteger running =
      new java.util.concurrent.atomic.AtomicInteger();

  /** How many admitted statements are running now (a draining gateway waits for none). */
  public int running() {
    return running.get();
  }

  void runningChanged(int delta) {
    running.addAndGet(delta);
  }

  public StatementPipeline pipeline() {
    return pipeline;
  }

  Grants grants() {
    return grants;
  }

  Approvals approvals() {
    return approvals;
  }

  Catalogs catalogs() {
    return catalogs;
  }

  ExecutorService blockingExecutor() {
    return blockingExecutor;
  }

  AdmissionMetrics metrics() {
    return metrics;
  }

  AdmissionSettings settings() {
    return settings;
  }
}
