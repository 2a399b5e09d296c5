package dev.warden.frontend.postgres;

import dev.warden.core.admission.Verdict;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.Parse;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import java.util.List;

/**
 * How a refusal reaches the client on the wire, in order with everything else it is owed. A refused
 * statement never reaches the database: in its place the database gets a statement it rejects, so
 * PostgreSQL's own transaction semantics hold — inside a transaction block the transaction fails (a
 * later COMMIT commits nothing), and in the extended protocol the server skips to Sync — and its
 * error is replaced by Warden's, naming the rule.
 */
final class Refusals {
  /** What the database gets instead of a denied statement: it fails to parse, harmlessly. */
  static final String DENIED_STATEMENT = "warden denied this statement";

  /** A prepared-statement name no client uses; a failed Parse never creates it. */
  static final String DENIED_STATEMENT_NAME = "__warden_denied";

  private final Session session;

  Refusals(Session session) {
    this.session = session;
  }

  /** A Query or Execute the kernel refused (or did not admit). */
  void refuse(Verdict verdict, boolean simpleQuery) {
    Decision.Deny deny =
        verdict instanceof Verdict.Refuse r
            ? r.deny()
            : new Decision.Deny(DeclarativePolicyEngine.DEFAULT_DENY, "not admitted", null);
    ErrorResponse error = PostgresErrors.error(denial(deny));
    if (simpleQuery) {
      session.backend.write(new Query(DENIED_STATEMENT), session.backend.voidPromise());
      QuerySent entry = new QuerySent(verdict.admission());
      entry.replacement = error;
      session.expect(entry);
    } else {
      session.backend.write(failingParse(), session.backend.voidPromise());
      session.expect(new StandInSent(verdict.admission(), error));
    }
  }

  /** A Parse the database rejects (its error skips the batch to the Sync). */
  static Parse failingParse() {
    return new Parse(DENIED_STATEMENT_NAME, DENIED_STATEMENT, List.of());
  }

  /**
   * A message Warden answers itself with an error and ReadyForQuery, after every response still
   * owed to the client.
   */
  void refuse(WardenException e) {
    ErrorResponse error = PostgresErrors.error(e);
    if (session.inFlight.isEmpty()) {
      session.output.write(error);
      session.output.writeAndFlush(new ReadyForQuery(session.transactionStatus));
    } else {
      session.inFlight.add(new RefusalQueued(error));
    }
  }

  static WardenException denial(Decision.Deny deny) {
    return new WardenException(
        ErrorCode.ACCESS_DENIED,
        "denied by rule " + deny.rule() + ": " + deny.reason(),
        deny.hint());
  }
}
