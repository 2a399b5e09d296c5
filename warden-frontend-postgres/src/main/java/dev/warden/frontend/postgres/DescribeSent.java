package dev.warden.frontend.postgres;

import dev.warden.core.policy.Masking;
import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.NoData;
import dev.warden.protocol.postgres.message.ParameterDescription;
import dev.warden.protocol.postgres.message.RowDescription;
import dev.warden.protocol.postgres.message.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * A Describe of a prepared statement (ParameterDescription, then RowDescription or NoData) or of a
 * portal (RowDescription or NoData). The description is kept with the statement — a portal's is its
 * statement's too — so every later portal of the statement is masked by it, whether or not the
 * client describes again; a portal's also gives the portal its mask plan. Warden's own Describe
 * (sent where nobody described a portal) is answered to Warden only.
 */
final class DescribeSent extends InFlight {
  final Target target;
  final String name;

  /** For a portal: the prepared statement it was bound from, and what it runs (when sent). */
  final String statementName;

  final Statement statement;

  /** What the session sees masked (null: nothing; the description is then kept only for names). */
  final Masking masking;

  /** Warden's own Describe: its answer goes no further. */
  final boolean own;

  private DescribeSent(
      Target target,
      String name,
      String statementName,
      Statement statement,
      Masking masking,
      boolean own) {
    this.target = target;
    this.name = name;
    this.statementName = statementName;
    this.statement = statement;
    this.masking = masking;
    this.own = own;
  }

  static DescribeSent statement(String name, Masking masking) {
    return new DescribeSent(Target.STATEMENT, name, name, null, masking, false);
  }

  /**
   * A Describe of {@code portal}, bound from prepared statement {@code statementName} to {@code
   * statement} as the portal was when the Describe went out (in a pipeline a later Bind may reuse
   * the name before the answer arrives).
   */
  static DescribeSent portal(
      String portal, String statementName, Statement statement, Masking masking, boolean own) {
    return new DescribeSent(Target.PORTAL, portal, statementName, statement, masking, own);
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    Session session = relay.session;
    switch (frame.type()) {
      case ParameterDescription.TYPE -> {
        if (target != Target.STATEMENT) {
          throw relay.desynchronised(frame.type(), this);
        }
        return true;
      }
      case RowDescription.TYPE -> {
        session.inFlight.poll();
        if (relay.recordsResults || masking != null) {
          described((RowDescription) frame.decode(), relay);
        }
        return !own;
      }
      case NoData.TYPE -> {
        session.inFlight.poll();
        if (masking != null || relay.recordsResults) {
          described(new RowDescription(List.of()), relay);
        }
        return !own;
      }
      default -> throw relay.desynchronised(frame.type(), this);
    }
  }

  private void described(RowDescription description, BackendRelayHandler relay) {
    Session session = relay.session;
    if (statementName != null) {
      session.statements.computeIfPresent(statementName, (n, p) -> p.withDescription(description));
    }
    if (target == Target.STATEMENT) {
      return;
    }
    List<String> names = names(description);
    MaskPlan plan = MaskPlan.NONE;
    if (masking != null && !description.fields().isEmpty()) {
      MaskPlan of = relay.plans.of(description, masking, statement, null);
      plan = of == null ? MaskPlan.NONE : of;
    }
    MaskPlan portalPlan = masking == null ? null : plan;
    session.portals.computeIfPresent(name, (n, p) -> p.withPlan(portalPlan).withColumns(names));
  }

  static List<String> names(RowDescription description) {
    List<String> names = new ArrayList<>(description.fields().size());
    description.fields().forEach(f -> names.add(f.name()));
    return names;
  }

  @Override
  public String toString() {
    return "Describe(" + target + " " + name + ")";
  }
}
