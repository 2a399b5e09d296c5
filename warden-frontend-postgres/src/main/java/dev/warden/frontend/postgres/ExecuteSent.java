package dev.warden.frontend.postgres;

import dev.warden.core.session.Admission;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.PortalSuspended;

/**
 * An Execute of a portal: its rows, then CommandComplete, EmptyQueryResponse or — when it asked for
 * a number of rows — PortalSuspended, after which the portal may be executed again (the row limit
 * counts across those batches). Its rows are masked by the portal's plan.
 */
final class ExecuteSent extends ResultsSent {
  final String portal;

  /** Rows the portal delivered to earlier Executes (fetch-size batches). */
  private long rowsBefore;

  /** The portal as the database has it once the Execute is answered (read at the first answer). */
  private Portal known;

  private boolean resolved;

  ExecuteSent(Admission admission, String portal) {
    super(admission);
    this.portal = portal;
  }

  @Override
  long rowsBefore() {
    return rowsBefore;
  }

  @Override
  MaskPlan plan(BackendFrame row, BackendRelayHandler relay) {
    MaskPlan plan = known == null ? null : known.plan();
    if (plan == null) {
      // Warden describes every portal nobody else did, so this is a bug: refuse, never guess.
      throw MaskPlans.shapeUnknown(relay.session.context.sessionId());
    }
    return plan;
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    if (!resolved) {
      // Every Bind and Describe before this Execute has been answered: the portal is complete.
      resolved = true;
      known = relay.session.portals.get(portal);
      if (known != null) {
        rowsBefore = known.delivered();
        if (capture != null && capture.columns.isEmpty()) {
          capture.columns = known.columns();
        }
      }
    }
    char type = frame.type();
    if (type == DataRow.TYPE || type == CopyData.TYPE) {
      return row(frame, relay);
    }
    if (isEnd(type)) {
      return completed(frame, relay);
    }
    if (type == PortalSuspended.TYPE) {
      return suspended(relay);
    }
    if (isCopy(type)) {
      return copy(frame, relay);
    }
    throw relay.desynchronised(type, this);
  }

  @Override
  void ended(BackendRelayHandler relay) {
    relay.session.inFlight.poll();
    relay.session.portals.computeIfPresent(portal, (n, p) -> p.withDelivered(0));
    finish(relay, errorSqlState);
    if (guarded) {
      relay.endGuard();
    }
  }

  /** PortalSuspended: the Execute's row count was reached; the portal may be executed again. */
  private boolean suspended(BackendRelayHandler relay) {
    relay.session.inFlight.poll();
    boolean relayed = true;
    long delivered;
    if (truncated) {
      relayed = false;
      relay.limits.truncated(this, "SELECT");
      delivered = rowLimit;
    } else {
      delivered = rowsBefore + statementRows;
    }
    relay.session.portals.computeIfPresent(portal, (n, p) -> p.withDelivered(delivered));
    if (guarded) {
      // A write fetched in batches has no count yet: Warden cannot check it, so it is undone.
      relay.substitutes.clear();
      relayed = false;
      relay.limits.overLimit(this, "write", -1);
    }
    finish(relay, errorSqlState);
    if (guarded) {
      relay.endGuard();
    }
    return relayed;
  }

  @Override
  public String toString() {
    return "Execute(" + portal + ")";
  }
}
