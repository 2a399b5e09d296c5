package dev.warden.core.admission;

import dev.warden.core.approval.Estimate;
import dev.warden.core.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What the kernel needs of the front door that carries a session: where the session's work runs, a
 * way to tell the client something while a statement waits, and — for approvals — what the
 * database's planner expects a statement to change. Implemented by each front door, per session.
 */
public interface SessionLink {
  /**
   * The session's own executor (its event loop): every verdict and callback of the kernel that
   * completes later runs here, and the kernel's timers for this session are scheduled here.
   */
  ScheduledExecutorService loop();

  /** Whether the client is still connected (a verdict for one that left is not delivered). */
  boolean open();

  /** Tells the client something without ending its statement (a NOTICE, a progress message). */
  void notice(String message, String hint);

  /**
   * The planner's estimate of the rows a held data change would touch, with its parameters as sent:
   * completes within the front door's own deadline, with an estimate or the reason there is none;
   * never fails. Asked off the session's loop.
   */
  CompletableFuture<Estimate> estimate(Statement statement, BoundParameters parameters);
}
