package dev.warden.frontend.postgres;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.sql.Statement;
import java.util.List;

/**
 * A portal the database confirmed (BindComplete): the prepared statement it was bound from, the
 * statement it runs, its parameters as sent, how its rows are masked once known, the result's
 * column names (for the audit trail) once described, and how many rows earlier Executes of it
 * delivered (fetch-size batches).
 *
 * @param plan null until the portal's shape is known; {@link MaskPlan#NONE} when nothing in it is
 *     masked
 */
record Portal(
    String statementName,
    Statement statement,
    BoundParameters parameters,
    MaskPlan plan,
    List<String> columns,
    long delivered) {

  Portal withPlan(MaskPlan plan) {
    return new Portal(statementName, statement, parameters, plan, columns, delivered);
  }

  Portal withColumns(List<String> columns) {
    return new Portal(statementName, statement, parameters, plan, columns, delivered);
  }

  Portal withDelivered(long delivered) {
    return new Portal(statementName, statement, parameters, plan, columns, delivered);
  }
}
