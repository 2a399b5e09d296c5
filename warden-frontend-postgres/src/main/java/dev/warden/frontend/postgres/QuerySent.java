package dev.warden.frontend.postgres;

import dev.warden.core.session.Admission;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.RowDescription;

/**
 * A simple-protocol Query: everything until ReadyForQuery belongs to it — one result per statement
 * of its string, each with its own RowDescription (and mask plan) and row count. A refused Query is
 * this too: the database got a stand-in that fails to parse, whose error the client gets as
 * Warden's.
 */
final class QuerySent extends ResultsSent {
  /** The current statement's mask plan (null: nothing to mask). */
  private MaskPlan plan;

  /** A guarded Query that Warden wrapped in its own BEGIN (the session was idle). */
  boolean wrapped;

  /** A guarded write exceeded its limit: its remaining responses are dropped. */
  boolean overLimit;

  QuerySent(Admission admission) {
    super(admission);
  }

  @Override
  MaskPlan plan(BackendFrame row, BackendRelayHandler relay) {
    return plan;
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    if (overLimit) {
      return drain(frame, relay);
    }
    char type = frame.type();
    if (type == DataRow.TYPE || type == CopyData.TYPE) {
      return row(frame, relay);
    }
    if (type == RowDescription.TYPE) {
      described(frame, relay);
      return true;
    }
    if (isEnd(type)) {
      return completed(frame, relay);
    }
    if (isCopy(type)) {
      return copy(frame, relay);
    }
    if (type == ReadyForQuery.TYPE) {
      relay.session.inFlight.poll();
      finish(relay, errorSqlState);
      relay.ready(frame);
      if (guarded && wrapped) {
        // Warden's own transaction ends: COMMIT (its error, if any, is the client's), and the
        // client's ReadyForQuery is the one that follows it.
        relay.inject(new Query("COMMIT"), new InternalQuerySent(true, true, false));
        return false;
      }
      if (guarded) {
        relay.endGuard();
      }
      return true;
    }
    throw relay.desynchronised(type, this);
  }

  /** A statement of the string describes its result: its own mask plan and column names. */
  private void described(BackendFrame frame, BackendRelayHandler relay) {
    if (!relay.recordsResults && masking == null) {
      return;
    }
    RowDescription description = (RowDescription) frame.decode();
    if (relay.recordsResults && capture != null) {
      capture.columns = DescribeSent.names(description);
    }
    if (masking != null) {
      plan = relay.plans.of(description, masking, admission.statement(), outputMasks);
    }
  }

  /**
   * The rest of a Query whose write exceeded its limit: dropped; once it is over, Warden's
   * transaction is rolled back, or the client's is made to fail (as after any error in a
   * transaction block, a later COMMIT then commits nothing).
   */
  private boolean drain(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() == ReadyForQuery.TYPE) {
      relay.session.inFlight.poll();
      finish(relay, errorSqlState);
      relay.ready(frame);
      relay.inject(
          new Query(wrapped ? "ROLLBACK" : Refusals.DENIED_STATEMENT),
          new InternalQuerySent(false, true, false));
    }
    return false;
  }

  @Override
  boolean notice(BackendFrame frame, BackendRelayHandler relay) {
    return !overLimit && super.notice(frame, relay);
  }

  @Override
  boolean error(BackendFrame frame, BackendRelayHandler relay) {
    return !overLimit && super.error(frame, relay);
  }

  @Override
  void ended(BackendRelayHandler relay) {
    // A Query goes on until its ReadyForQuery.
  }

  @Override
  public String toString() {
    return "Query";
  }
}
