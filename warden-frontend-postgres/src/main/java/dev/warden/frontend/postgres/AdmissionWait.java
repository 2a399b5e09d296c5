package dev.warden.frontend.postgres;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.Verdict;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.protocol.postgres.message.Execute;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.Query;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Hands each Query and Execute to the kernel before it is relayed — the statement as resolved for
 * this session, an Execute's with its portal's parameters as sent — and keeps the verdict until the
 * message is carried out. A verdict that needs waiting (a person's approval, or the audit record's
 * durability) holds the message and everything after it ({@link Hold.ForVerdict}).
 */
final class AdmissionWait {
  private static final Statement UNKNOWN_PORTAL = new Statement("", StatementClass.UNANALYZED);

  private final PostgresContext context;
  private final Session session;

  /** The verdict on the Query or Execute being processed, until it is carried out. */
  private Verdict decided;

  AdmissionWait(PostgresContext context, Session session) {
    this.context = context;
    this.session = session;
  }

  /**
   * Has the kernel admit {@code message} when it is a Query or Execute. True when the verdict is
   * not in yet: the caller holds the frame, and once the verdict is in (on the session's loop)
   * {@code release} runs — or {@code failed}, with why there is none — and the frame comes back
   * here, to find its verdict kept.
   */
  boolean awaits(FrontendMessage message, Runnable release, Consumer<Throwable> failed) {
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
            Portal portal = session.portal(e.portal());
            yield session.admissions.admit(
                portal == null ? UNKNOWN_PORTAL : portal.statement(),
                portal == null ? BoundParameters.NONE : portal.parameters(),
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
    session.hold = new Hold.ForVerdict();
    // The kernel completes it on this session's event loop.
    verdict.whenComplete(
        (v, failure) -> {
          session.hold = Hold.NONE;
          if (failure != null) {
            failed.accept(failure);
            return;
          }
          decided = v;
          release.run();
        });
    return true;
  }

  /** The verdict on the message being carried out (taken: the next message gets its own). */
  Verdict take() {
    Verdict verdict = decided;
    decided = null;
    return verdict;
  }
}
