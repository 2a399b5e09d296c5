package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.NoticeResponse;
import dev.warden.protocol.postgres.message.NotificationResponse;
import dev.warden.protocol.postgres.message.ParameterStatus;

/**
 * A message — the client's, or Warden's own — whose responses the database has yet to send. The
 * session keeps them in order, and the one at the head answers each message the database sends: so
 * every RowDescription, DataRow and CommandComplete is attributed to the statement that caused it,
 * a prepared statement or portal exists only once the database confirmed it, and a response no
 * entry expects means Warden lost track of the database (the session is closed). One subclass per
 * kind of message, each handling its own responses.
 */
abstract sealed class InFlight
    permits ParseSent,
        BindSent,
        DescribeSent,
        ResultsSent,
        CloseSent,
        SyncSent,
        StandInSent,
        RefusalQueued,
        InternalQuerySent {

  /**
   * Takes one message the database sent while this entry is at the head; true when it goes to the
   * client unchanged (otherwise the relay's substitutes hold what goes instead, maybe nothing).
   * Notifications and parameter statuses may come at any time and pass; notices and errors go
   * through the relay's checks unless the entry says otherwise.
   */
  final boolean respond(BackendFrame frame, BackendRelayHandler relay) {
    return switch (frame.type()) {
      case NotificationResponse.TYPE, ParameterStatus.TYPE -> true;
      case NoticeResponse.TYPE -> notice(frame, relay);
      case ErrorResponse.TYPE -> error(frame, relay);
      default -> answer(frame, relay);
    };
  }

  /** A response of this message's own kind; anything it does not expect ends the session. */
  abstract boolean answer(BackendFrame frame, BackendRelayHandler relay);

  /** A notice during this message: scrubbed, and recorded with its statement. */
  boolean notice(BackendFrame frame, BackendRelayHandler relay) {
    return relay.notice(frame, this);
  }

  /** An error ended this message (and, in an extended batch, everything up to the Sync). */
  boolean error(BackendFrame frame, BackendRelayHandler relay) {
    return relay.error(frame, this);
  }

  /** The error the client gets instead of the database's, for a refused statement; or null. */
  ErrorResponse replacement() {
    return null;
  }

  /** The result kept for the audit trail, when this is a statement whose result is kept. */
  ResultCapture capture() {
    return null;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName();
  }
}
