package dev.warden.core.admission;

import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import java.util.Set;

/**
 * Which statements are provably free of effects: running one changes nothing in the database and
 * nothing another session can feel, so it may run while its audit record is being made durable — as
 * long as its result is withheld until then (a result never seen after a crash is no effect).
 * Everything else waits for its record before it is forwarded.
 *
 * <p>Free: every part a plain read — class READ; a SELECT (or EXECUTE, FETCH, MOVE, DECLARE of one)
 * whose every operation is SELECT; no table written, no data modification, no setting changed, no
 * row lock ({@code FOR UPDATE}/{@code FOR SHARE}), no COPY; and every function it calls known to
 * the connection's catalog as immutable or stable. Not free: anything unanalysed or unparsed,
 * writes, DDL, DCL, transaction control, settings, COPY, LISTEN, LOCK, and any volatile or unknown
 * function (nextval, random, a user function that may write).
 */
public final class Effects {
  private static final Set<String> READING_VERBS =
      Set.of("SELECT", "EXECUTE", "FETCH", "MOVE", "DECLARE");

  private Effects() {}

  /** Whether running {@code statement} has no effect but its result. */
  public static boolean free(Statement statement, FunctionCatalog functions) {
    if (statement.parts().isEmpty()) {
      return false;
    }
    for (StatementPart part : statement.parts()) {
      if (part.statementClass() != StatementClass.READ
          || !READING_VERBS.contains(part.verb())
          || !part.writes().isEmpty()
          || part.dataModifications() > 0
          || !part.settings().isEmpty()
          || part.locksRows()
          || part.copyFormat() != null) {
        return false;
      }
      for (String operation : part.operations()) {
        if (!operation.equals("SELECT")) {
          return false;
        }
      }
      for (String function : part.functions()) {
        FunctionCatalog.Volatility v = functions.volatility(function);
        if (v != FunctionCatalog.Volatility.IMMUTABLE && v != FunctionCatalog.Volatility.STABLE) {
          return false;
        }
      }
    }
    return true;
  }
}
