package dev.warden.frontend.postgres;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.SessionLink;
import dev.warden.core.approval.Estimate;
import dev.warden.core.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * How the kernel reaches a PostgreSQL session: its event loop, a NOTICE to the client, and the
 * planner's estimate of a held statement (EXPLAIN on a read-only session of its own, with the
 * session's search path and the statement's parameters as sent).
 */
final class ClientLink implements SessionLink {
  private final Session session;
  private final PostgresContext context;

  ClientLink(Session session, PostgresContext context) {
    this.session = session;
    this.context = context;
  }

  @Override
  public ScheduledExecutorService loop() {
    return session.client.eventLoop();
  }

  @Override
  public boolean open() {
    return session.client.isActive();
  }

  @Override
  public void notice(String message, String hint) {
    session.output.writeAndFlush(PostgresErrors.notice(message, hint));
  }

  @Override
  public CompletableFuture<Estimate> estimate(Statement statement, BoundParameters parameters) {
    return PlanEstimator.estimate(
        context,
        session.backend.eventLoop(),
        context.config().connections().get(session.context.connection()),
        session.searchPath,
        statement.text(),
        parameters);
  }
}
