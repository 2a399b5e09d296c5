package dev.warden.frontend.postgres;

import dev.warden.core.session.Admission;
import dev.warden.protocol.postgres.message.ErrorResponse;

/**
 * In place of a refused Execute, a Parse the database rejects: only an ErrorResponse comes back,
 * which the client gets as Warden's own error naming the rule; the database then skips to the Sync
 * as after any error, so the batch and its transaction fail as PostgreSQL would have failed them.
 */
final class StandInSent extends InFlight {
  final Admission admission;
  final ErrorResponse replacement;

  StandInSent(Admission admission, ErrorResponse replacement) {
    this.admission = admission;
    this.replacement = replacement;
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    throw relay.desynchronised(frame.type(), this);
  }

  @Override
  ErrorResponse replacement() {
    return replacement;
  }
}
