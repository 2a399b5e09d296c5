package dev.warden.frontend.postgres;

import dev.warden.core.admission.LimitMessages;
import dev.warden.core.error.ErrorCode;
import dev.warden.protocol.postgres.message.CommandComplete;

/**
 * The policy's row limits on the wire. A result past maxRowsReturned is cut: the client gets a
 * warning naming the rule and a tag counting what it got. A write over maxRowsAffected is undone
 * before it commits: the client gets an error in place of its tag, and the database's transaction
 * is made to fail (a failing Parse before the client's Sync in the extended protocol; Warden's
 * ROLLBACK, or a failing stand-in inside the client's own transaction, after a simple Query).
 */
final class RowLimits {
  private final BackendRelayHandler relay;

  RowLimits(BackendRelayHandler relay) {
    this.relay = relay;
  }

  /** Replaces a truncated result's tag: a warning naming the rule, then the rows delivered. */
  void truncated(ResultsSent h, String tag) {
    relay.context.metrics().rowLimitExceeded();
    long delivered = h.rowsBefore() + h.statementRows;
    relay.substitutes.add(
        PostgresErrors.warning(
            LimitMessages.truncated(h.rowLimit, h.admission.decision().rule()),
            LimitMessages.TRUNCATED_HINT));
    String verb = tag.split(" ", 2)[0];
    relay.substitutes.add(
        new CommandComplete(
            verb.equals("SELECT") || verb.equals("FETCH") || verb.equals("COPY")
                ? verb + " " + delivered
                : tag));
  }

  /**
   * A guarded write affected more rows than allowed (or could not be counted, {@code affected} <
   * 0): the client gets an error in place of its CommandComplete, and the write never commits.
   */
  void overLimit(ResultsSent h, String verb, long affected) {
    relay.context.metrics().writeLimitExceeded();
    h.errorSqlState = PostgresErrors.sqlState(ErrorCode.LIMIT_EXCEEDED);
    relay.substitutes.add(
        PostgresErrors.error(
            LimitMessages.overLimit(verb, affected, h.writeLimit, h.admission.decision().rule())));
    switch (h) {
      case ExecuteSent e ->
          relay.inject(Refusals.failingParse(), new InternalQuerySent(false, false, true));
      case QuerySent q -> q.overLimit = true;
    }
  }

  /** The number a write's command tag ends with (INSERT 0 5, UPDATE 5, COPY 5, SELECT 5). */
  static long affectedRows(String tag) {
    int space = tag.lastIndexOf(' ');
    try {
      return space < 0 ? 0 : Long.parseLong(tag.substring(space + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
