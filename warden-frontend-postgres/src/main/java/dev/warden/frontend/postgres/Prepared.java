package dev.warden.frontend.postgres;

import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.RowDescription;
import java.util.List;

/**
 * A prepared statement the database confirmed (ParseComplete), or a SQL PREPARE: its statement, the
 * parameter types its Parse declared, and — once described (by a Describe of it, or of a portal
 * bound from it) — its result's description, from which every later portal of it is masked.
 */
record Prepared(Statement statement, List<Integer> parameterTypes, RowDescription description) {

  Prepared {
    parameterTypes = List.copyOf(parameterTypes);
  }

  Prepared withDescription(RowDescription description) {
    return new Prepared(statement, parameterTypes, description);
  }
}
