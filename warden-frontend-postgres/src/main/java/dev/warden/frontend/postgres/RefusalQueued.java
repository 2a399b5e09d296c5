package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.ErrorResponse;

/**
 * A refusal Warden answers itself (the function-call protocol, say), queued so that it reaches the
 * client after every response still owed for earlier messages. The database sends nothing for it.
 */
final class RefusalQueued extends InFlight {
  final ErrorResponse error;

  RefusalQueued(ErrorResponse error) {
    this.error = error;
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    throw relay.desynchronised(frame.type(), this);
  }
}
