package dev.warden.frontend.postgres;

import dev.warden.core.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which prepared statements and portals Warden has, or will have once the database answers what was
 * sent, a result description of — kept as the client's messages go out: a Parse forgets, a Describe
 * of the statement or of a portal bound to it remembers. Masking needs the shape of every result
 * before its first row, so an Execute of a portal nobody described gets a Describe of Warden's own
 * before it (a driver that caches descriptions re-sends only Bind and Execute).
 */
final class Descriptions {
  private final Set<String> statements = new HashSet<>();
  private final Set<String> portals = new HashSet<>();

  /** The prepared statement each portal was bound from, as the client's Binds went out. */
  private final Map<String, String> portalStatements = new HashMap<>();

  /** A Parse redefines a prepared statement: its shape is unknown again. */
  void parsed(String statement) {
    statements.remove(statement);
  }

  /** A Bind: the portal has its statement's description, when that was described. */
  void bound(String portal, String statement) {
    portalStatements.put(portal, statement);
    if (statements.contains(statement)) {
      portals.add(portal);
    } else {
      portals.remove(portal);
    }
  }

  void describedStatement(String statement) {
    statements.add(statement);
  }

  /**
   * A Describe of a portal (the client's or Warden's own): its description is its statement's too.
   * Returns the statement it was bound from, or null.
   */
  String describedPortal(String portal) {
    portals.add(portal);
    String statement = portalStatements.get(portal);
    if (statement != null) {
      statements.add(statement);
    }
    return statement;
  }

  /** Whether the portal's shape is known, or will be. */
  boolean known(String portal) {
    return portals.contains(portal);
  }

  /** The prepared statement the portal was bound from, or null. */
  String statementOf(String portal) {
    return portalStatements.get(portal);
  }

  void closedStatement(String statement) {
    statements.remove(statement);
  }

  void closedPortal(String portal) {
    portals.remove(portal);
    portalStatements.remove(portal);
  }

  /**
   * SQL can redefine or drop what the protocol names too (PREPARE, DEALLOCATE, DISCARD ALL; a
   * cursor is a portal): Warden no longer knows those names' result shapes.
   */
  void forget(Statement statement) {
    for (var part : statement.parts()) {
      String name = part.name();
      switch (part.verb()) {
        case "PREPARE", "DEALLOCATE" -> {
          if (name == null) {
            statements.clear();
          } else {
            statements.remove(name);
          }
        }
        case "DECLARE", "CLOSE" -> {
          if (name != null) {
            portals.remove(name);
          }
        }
        case "DISCARD" -> {
          statements.clear();
          portals.clear();
        }
        default -> {}
      }
    }
  }
}
