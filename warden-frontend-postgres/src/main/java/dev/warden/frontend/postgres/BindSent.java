package dev.warden.frontend.postgres;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.Bind;
import dev.warden.protocol.postgres.message.BindComplete;
import dev.warden.protocol.postgres.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * A Bind: on BindComplete the portal exists, running its statement with these parameters; when the
 * statement was described, the portal's mask plan is its description with the Bind's result formats
 * (so a driver that describes a statement once and binds it many times is masked every time).
 */
final class BindSent extends InFlight {
  final String portal;
  final String statementName;
  final Statement statement;
  final BoundParameters parameters;
  final List<Integer> resultFormats;
  final Masking masking;

  BindSent(
      String portal,
      String statementName,
      Statement statement,
      BoundParameters parameters,
      List<Integer> resultFormats,
      Masking masking) {
    this.portal = portal;
    this.statementName = statementName;
    this.statement = statement;
    this.parameters = parameters;
    this.resultFormats = List.copyOf(resultFormats);
    this.masking = masking;
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() != BindComplete.TYPE) {
      throw relay.desynchronised(frame.type(), this);
    }
    Session session = relay.session;
    session.inFlight.poll();
    if (statement == null) {
      session.portals.remove(portal);
    } else {
      Prepared prepared = session.statements.get(statementName);
      RowDescription described = prepared == null ? null : prepared.description();
      MaskPlan plan = null;
      if (masking != null && described != null) {
        MaskPlan of =
            relay.plans.of(withFormats(described, resultFormats), masking, statement, null);
        plan = of == null ? MaskPlan.NONE : of;
      }
      session.portals.put(
          portal,
          new Portal(
              statementName,
              statement,
              parameters,
              plan,
              described == null ? List.of() : DescribeSent.names(described),
              0));
    }
    session.bound(portal);
    return true;
  }

  /**
   * A Bind's parameters as sent, copied (the frame goes on to the database), with the types its
   * statement's Parse declared.
   */
  static BoundParameters parameters(Bind m, List<Integer> types) {
    if (m.parameters().isEmpty()) {
      return types.isEmpty()
          ? BoundParameters.NONE
          : new BoundParameters(types, List.of(), List.of());
    }
    List<byte[]> values = new ArrayList<>(m.parameters().size());
    for (ByteBuf p : m.parameters()) {
      values.add(p == null ? null : ByteBufUtil.getBytes(p));
    }
    return new BoundParameters(types, m.parameterFormats(), values);
  }

  /** A statement's description with the result formats a Bind chose (0, 1 or one per column). */
  static RowDescription withFormats(RowDescription described, List<Integer> formats) {
    List<RowDescription.Field> fields = new ArrayList<>(described.fields().size());
    for (int i = 0; i < described.fields().size(); i++) {
      RowDescription.Field f = described.fields().get(i);
      int format =
          formats.isEmpty() ? 0 : formats.size() == 1 ? formats.getFirst() : formats.get(i);
      fields.add(
          new RowDescription.Field(
              f.name(),
              f.tableOid(),
              f.columnNumber(),
              f.typeOid(),
              f.typeSize(),
              f.typeModifier(),
              (short) format));
    }
    return new RowDescription(fields);
  }

  @Override
  public String toString() {
    return "Bind(" + portal + ")";
  }
}
