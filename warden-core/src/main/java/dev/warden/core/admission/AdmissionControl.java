package dev.warden.core.admission;

import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.Grants;
import dev.warden.core.session.SessionContext;
import dev.warden.core.session.StatementPipeline;
import java.util.concurrent.ExecutorService;

/**
 * The enforcement kernel: every statement, whichever door it came through (the PostgreSQL or MySQL
 * wire protocol, MCP, the console), is admitted here — analysed by the door, then decided by the
 * policy, widened by a just-in-time grant, checked by masking's guard, recorded write-ahead, and
 * held for a person's approval where a rule says so — and comes back as one {@link Verdict}. A door
 * only carries bytes to it and the verdict back to the wire, so the same statement by the same
 * identity gets the same decision, masks, hold and record through every door.
 */
public final class AdmissionControl {
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

  /** Admission for one session, whose client the door reaches through {@code link}. */
  public SessionAdmission open(SessionContext session, SessionLink link) {
    return new SessionAdmission(this, session, link);
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
