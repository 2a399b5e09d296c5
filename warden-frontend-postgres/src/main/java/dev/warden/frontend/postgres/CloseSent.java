package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.CloseComplete;
import dev.warden.protocol.postgres.message.Target;

/** A Close: on CloseComplete the prepared statement or portal is gone. */
final class CloseSent extends InFlight {
  final Target target;
  final String name;

  CloseSent(Target target, String name) {
    this.target = target;
    this.name = name;
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() != CloseComplete.TYPE) {
      throw relay.desynchronised(frame.type(), this);
    }
    relay.session.inFlight.poll();
    if (target == Target.STATEMENT) {
      relay.session.statements.remove(name);
    } else {
      relay.session.portals.remove(name);
    }
    return true;
  }

  @Override
  public String toString() {
    return "Close(" + target + " " + name + ")";
  }
}
