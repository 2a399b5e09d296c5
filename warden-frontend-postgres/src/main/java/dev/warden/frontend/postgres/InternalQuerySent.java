package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.ReadyForQuery;

/**
 * A Query Warden sends on its own (BEGIN, COMMIT or ROLLBACK around a write under a row limit, or a
 * failing stand-in to fail the client's transaction), or a failing Parse after a guarded Execute
 * went over its limit. Its responses are not the client's: only what {@link #relayErrors} and
 * {@link #relayReady} let through reaches it.
 *
 * @param relayErrors whether its errors and notices reach the client (a deferred constraint failing
 *     at Warden's COMMIT is the client's statement's error)
 * @param relayReady whether its ReadyForQuery is the client's (it ends the client's statement)
 * @param parseOnly a failing Parse rather than a Query: its only answer is the error (dropped: the
 *     client already has Warden's)
 */
final class InternalQuerySent extends InFlight {
  final boolean relayErrors;
  final boolean relayReady;
  final boolean parseOnly;

  InternalQuerySent(boolean relayErrors, boolean relayReady, boolean parseOnly) {
    this.relayErrors = relayErrors;
    this.relayReady = relayReady;
    this.parseOnly = parseOnly;
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() == ReadyForQuery.TYPE && !parseOnly) {
      relay.session.inFlight.poll();
      relay.ready(frame);
      if (relayReady) {
        relay.endGuard();
      }
      return relayReady;
    }
    if (parseOnly) {
      throw relay.desynchronised(frame.type(), this);
    }
    return false; // its CommandComplete and the like
  }

  @Override
  boolean notice(BackendFrame frame, BackendRelayHandler relay) {
    return relayErrors && relay.scrubbed(frame, this);
  }

  @Override
  boolean error(BackendFrame frame, BackendRelayHandler relay) {
    if (parseOnly) {
      // The database skips to the client's Sync, as after the client's own error; the client
      // already has Warden's.
      relay.ended(frame, this);
      return false;
    }
    // The client's statement already ended; an error here (a deferred constraint failing at
    // Warden's COMMIT) is its, scrubbed like any other.
    return relayErrors && relay.scrubbed(frame, this);
  }

  @Override
  public String toString() {
    return parseOnly ? "InternalFailure" : "InternalQuery";
  }
}
