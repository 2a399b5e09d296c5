package dev.warden.core.sql;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the analyzer understood of one statement string: its parts (a simple Query may hold several
 * statements), their overall class, and — when it could not be parsed — why.
 *
 * @param statementClass the class of a single part; for several parts, the most significant one (a
 *     policy decides on every part anyway)
 * @param error why it is {@link StatementClass#INVALID}, or null
 */
public record Statement(
    String text, StatementClass statementClass, List<StatementPart> parts, String error) {

  public Statement {
    parts = List.copyOf(parts);
  }

  /** A statement the analyzer did not look into. */
  public Statement(String text, StatementClass statementClass) {
    this(text, statementClass, List.of(), null);
  }

  /**
   * This statement with unqualified table names resolved the way PostgreSQL would: {@code pg_*}
   * names to {@code pg_catalog} (searched first), others to {@code schema} — the one schema of the
   * session's search path — or left unresolved (null) when that is not known.
   */
  public Statement qualified(String schema) {
    return qualified(schema, true);
  }

  /**
   * This statement with unqualified table names resolved against {@code schema}; {@code
   * systemFirst}: PostgreSQL's rule that {@code pg_*} names are pg_catalog's (MySQL has none).
   */
  public Statement qualified(String schema, boolean systemFirst) {
    if (parts.stream()
        .allMatch(
            p ->
                Stream.concat(p.reads().stream(), p.writes().stream())
                    .allMatch(t -> t.schema() != null))) {
      return this;
    }
    // Once a part may have changed the search path, later parts of the same string resolve
    // against a path Warden does not know: their unqualified names stay unresolved.
    List<StatementPart> resolved = new java.util.ArrayList<>(parts.size());
    String current = schema;
    for (StatementPart p : parts) {
      resolved.add(
          new StatementPart(
              p.verb(),
              p.statementClass(),
              qualify(p.reads(), current, systemFirst),
              qualify(p.writes(), current, systemFirst),
              p.functions(),
              p.operations(),
              p.settings(),
              p.name(),
              p.dataModifications(),
              p.columns(),
              p.copyFormat(),
              p.locksRows()));
      if (p.mayChangeSearchPath()) {
        current = null;
      }
    }
    return new Statement(text, statementClass, resolved, error);
  }

  private static Set<TableRef> qualify(Set<TableRef> tables, String schema, boolean systemFirst) {
    return tables.stream()
        .map(
            t ->
                t.schema() != null
                    ? t
                    : new TableRef(
                        systemFirst && t.name().startsWith("pg_") ? "pg_catalog" : schema,
                        t.name()))
        .collect(Collectors.toSet());
  }

  public static Statement invalid(String text, String error) {
    return new Statement(text, StatementClass.INVALID, List.of(), error);
  }
}
