package dev.warden.frontend.postgres;

import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.ParseComplete;
import java.util.List;

/** A Parse: on ParseComplete its statement becomes the named prepared statement. */
final class ParseSent extends InFlight {
  final String name;
  final Statement statement;
  final List<Integer> parameterTypes;

  ParseSent(String name, Statement statement, List<Integer> parameterTypes) {
    this.name = name;
    this.statement = statement;
    this.parameterTypes = List.copyOf(parameterTypes);
  }

  @Override
  boolean answer(BackendFrame frame, BackendRelayHandler relay) {
    if (frame.type() != ParseComplete.TYPE) {
      throw relay.desynchronised(frame.type(), this);
    }
    relay.session.inFlight.poll();
    relay.session.statements.put(name, new Prepared(statement, parameterTypes, null));
    return true;
  }

  @Override
  public String toString() {
    return "Parse(" + name + ")";
  }
}
