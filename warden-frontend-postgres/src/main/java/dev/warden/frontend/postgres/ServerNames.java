package dev.warden.frontend.postgres;

import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementPart;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The names a session's statements refer to on the server, resolved to what they run. PostgreSQL
 * keeps one namespace of prepared statements for SQL ({@code PREPARE}, {@code EXECUTE}, {@code
 * DEALLOCATE}) and the protocol (Parse, Bind, Close), and one of portals for cursors ({@code
 * DECLARE}, {@code FETCH}, {@code MOVE}, {@code CLOSE}) and Bind: so does Warden. An EXECUTE is
 * decided and masked as the statement it executes, a FETCH, MOVE or CLOSE as its cursor's query —
 * in the same string too ({@code PREPARE p AS …; EXECUTE p}). A name Warden has not seen defined
 * stays unresolved, which a policy denies.
 */
final class ServerNames {
  private final Session session;

  /** Cursors declared in SQL, by name, as their DECLARE part. */
  private final Map<String, StatementPart> cursors = new HashMap<>();

  ServerNames(Session session) {
    this.session = session;
  }

  /** The statement with every EXECUTE, FETCH, MOVE and named CLOSE resolved. */
  Statement resolve(Statement statement) {
    if (statement.parts().stream().noneMatch(ServerNames::refers)) {
      return statement;
    }
    // Names defined or dropped earlier in the same string (an empty value: dropped).
    Map<String, Optional<StatementPart>> prepared = new HashMap<>();
    Map<String, Optional<StatementPart>> declared = new HashMap<>();
    boolean preparedCleared = false;
    boolean cursorsCleared = false;
    List<StatementPart> parts = new ArrayList<>(statement.parts().size());
    for (StatementPart part : statement.parts()) {
      StatementPart resolved = part;
      String name = part.name();
      switch (part.verb()) {
        case "EXECUTE" -> {
          StatementPart source =
              lookup(prepared, preparedCleared, name, () -> preparedStatement(name));
          resolved = source == null ? part : inherit(part, source);
        }
        case "FETCH", "MOVE", "CLOSE" -> {
          StatementPart source =
              name == null ? null : lookup(declared, cursorsCleared, name, () -> cursor(name));
          resolved = source == null ? part : inherit(part, source);
          if (part.verb().equals("CLOSE")) {
            if (name == null) {
              declared.clear();
              cursorsCleared = true;
            } else {
              declared.put(name, Optional.empty());
            }
          }
        }
        case "PREPARE" -> prepared.put(name, Optional.of(part));
        case "DEALLOCATE" -> {
          if (name == null) {
            prepared.clear();
            preparedCleared = true;
          } else {
            prepared.put(name, Optional.empty());
          }
        }
        case "DECLARE" -> declared.put(name, Optional.of(part));
        case "DISCARD" -> {
          if ("ALL".equals(name)) {
            prepared.clear();
            declared.clear();
            preparedCleared = true;
            cursorsCleared = true;
          }
        }
        default -> {}
      }
      parts.add(resolved);
    }
    return new Statement(statement.text(), statement.statementClass(), parts, statement.error());
  }

  private static boolean refers(StatementPart part) {
    return switch (part.verb()) {
      case "EXECUTE", "FETCH", "MOVE", "CLOSE" -> true;
      default -> false;
    };
  }

  private static StatementPart lookup(
      Map<String, Optional<StatementPart>> earlier,
      boolean cleared,
      String name,
      java.util.function.Supplier<StatementPart> known) {
    if (name == null) {
      return null;
    }
    Optional<StatementPart> here = earlier.get(name);
    if (here != null) {
      return here.orElse(null);
    }
    return cleared ? null : known.get();
  }

  /** A prepared statement's one part, whether PREPAREd in SQL or Parsed; null when unknown. */
  private StatementPart preparedStatement(String name) {
    Statement statement = session.preparedStatement(name);
    return statement == null || statement.parts().size() != 1 ? null : statement.parts().getFirst();
  }

  /** A cursor's query: a DECLAREd cursor, or a portal Bound by the protocol under that name. */
  private StatementPart cursor(String name) {
    StatementPart declared = cursors.get(name);
    if (declared != null) {
      return declared;
    }
    Statement portal = name.isEmpty() ? null : session.portalStatement(name);
    return portal == null || portal.parts().size() != 1 ? null : portal.parts().getFirst();
  }

  /**
   * {@code part} (an EXECUTE, FETCH, MOVE or CLOSE) as the statement it runs: its verb and name,
   * with everything else from {@code source}, the functions of both.
   */
  static StatementPart inherit(StatementPart part, StatementPart source) {
    var functions = new HashSet<>(source.functions());
    functions.addAll(part.functions());
    return new StatementPart(
        part.verb(),
        source.statementClass(),
        source.reads(),
        source.writes(),
        functions,
        source.operations(),
        source.settings(),
        part.name(),
        source.dataModifications(),
        source.columns(),
        source.copyFormat(),
        source.locksRows());
  }

  /** A statement completed without error: the names it defined or dropped, as the server has. */
  void completed(Statement statement) {
    for (StatementPart part : statement.parts()) {
      String name = part.name();
      switch (part.verb()) {
        case "PREPARE" -> {
          if (name != null) {
            // Bound later through the protocol too: kept as the EXECUTE of it.
            StatementPart executed =
                new StatementPart(
                    "EXECUTE",
                    part.statementClass(),
                    part.reads(),
                    part.writes(),
                    part.functions(),
                    part.operations(),
                    part.settings(),
                    name,
                    part.dataModifications(),
                    part.columns(),
                    part.copyFormat(),
                    part.locksRows());
            session.statements.put(
                name,
                new Prepared(
                    new Statement(statement.text(), part.statementClass(), List.of(executed), null),
                    List.of(),
                    null));
          }
        }
        case "DEALLOCATE" -> {
          if (name == null) {
            session.statements.clear();
          } else {
            session.statements.remove(name);
          }
        }
        case "DECLARE" -> {
          if (name != null) {
            cursors.put(name, part);
            session.portals.remove(name);
          }
        }
        case "CLOSE" -> {
          if (name == null) {
            cursors.clear();
          } else {
            cursors.remove(name);
            session.portals.remove(name);
          }
        }
        case "DISCARD" -> {
          if ("ALL".equals(name)) {
            session.statements.clear();
            cursors.clear();
          }
        }
        default -> {}
      }
    }
  }

  /** A portal Bound by the protocol replaces a cursor of the same name. */
  void bound(String portal) {
    cursors.remove(portal);
  }
}
