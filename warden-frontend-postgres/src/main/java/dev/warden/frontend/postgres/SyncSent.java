package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.ReadyForQuery;

/** A Sync: the extended batch ends with ReadyForQuery, which carries the transaction status. */
final class SyncSent extends InFlight {
  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() != ReadyForQuery.TYPE) {
      throw relay.desynchronised(frame.type(), this);
    }
    relay.session.inFlight.poll();
    relay.ready(frame);
    return true;
  }

  @Override
  public String toString() {
    return "Sync";
  }
}
