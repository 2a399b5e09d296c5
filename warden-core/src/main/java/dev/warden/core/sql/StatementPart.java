package dev.warden.core.sql;

import java.util.Set;

/**
 * One statement of a (possibly multi-statement) string, as the analyzer understood it.
 *
 * @param verb the statement's kind in the dialect's own words (e.g. {@code SELECT}, {@code CREATE
 *     TABLE}, {@code SET})
 * @param reads tables read, wherever they appear (joins, subqueries, CTEs)
 * @param writes tables written, wherever the write hides (writable CTEs, SELECT INTO, CREATE TABLE
 *     AS, EXPLAIN ANALYZE)
 * @param functions functions called, qualified as written
 * @param operations every kind of statement the part performs: its verb, plus writes nested in it
 *     ({@code WITH x AS (DELETE …) SELECT …} performs SELECT and DELETE)
 * @param dataModifications how many INSERT, UPDATE, DELETE and MERGE statements the part executes,
 *     nested ones included
 * @param columns columns that shape the result, and values written into columns (for masking)
 * @param copyFormat for COPY, how its rows are written (TO) or read (FROM); null for other parts
 * @param locksRows it takes row locks ({@code SELECT … FOR UPDATE}, {@code FOR SHARE}, …): a read
 *     that other sessions feel, so it is not free of effects
 */
public record StatementPart(
    String verb,
    StatementClass statementClass,
    Set<TableRef> reads,
    Set<TableRef> writes,
    Set<String> functions,
    Set<String> operations,
    Set<String> settings,
    String name,
    int dataModifications,
    ColumnUses columns,
    CopyFormat copyFormat,
    boolean locksRows) {

  /** A part that takes no row locks. */
  public StatementPart(
      String verb,
      StatementClass statementClass,
      Set<TableRef> reads,
      Set<TableRef> writes,
      Set<String> functions,
      Set<String> operations,
      Set<String> settings,
      String name,
      int dataModifications,
      ColumnUses columns,
      CopyFormat copyFormat) {
    this(
        verb,
        statementClass,
        reads,
        writes,
        functions,
        operations,
        settings,
        name,
        dataModifications,
        columns,
        copyFormat,
        false);
  }

  /** A part that is not a COPY and takes no row locks. */
  public StatementPart(
      String verb,
      StatementClass statementClass,
      Set<TableRef> reads,
      Set<TableRef> writes,
      Set<String> functions,
      Set<String> operations,
      Set<String> settings,
      String name,
      int dataModifications,
      ColumnUses columns) {
    this(
        verb,
        statementClass,
        reads,
        writes,
        functions,
        operations,
        settings,
        name,
        dataModifications,
        columns,
        null,
        false);
  }

  public StatementPart {
    reads = Set.copyOf(reads);
    writes = Set.copyOf(writes);
    functions = Set.copyOf(functions);
    operations = Set.copyOf(operations);
    settings = Set.copyOf(settings);
    columns = columns == null ? ColumnUses.NONE : columns;
  }

  /**
   * Whether running this part may change the session's search path: SET or RESET of it (or of
   * everything), DISCARD, set_config, and code Warden cannot see into (DO, CALL).
   */
  public boolean mayChangeSearchPath() {
    return settings.contains("search_path")
        || settings.contains("ALL")
        || verb.equals("DISCARD")
        || verb.equals("DO")
        || verb.equals("CALL")
        || functions.stream().anyMatch(f -> f.equals("set_config") || f.endsWith(".set_config"));
  }

  private static final Set<String> COUNTED_VERBS = Set.of("INSERT", "UPDATE", "DELETE", "MERGE");

  /**
   * Whether the rows this part writes are exactly the count in the database's command tag: a single
   * INSERT, UPDATE, DELETE or MERGE, a COPY FROM, a SELECT INTO or CREATE TABLE AS. Not when the
   * write hides in a CTE, in EXPLAIN ANALYZE or behind EXECUTE, where the tag counts something
   * else.
   */
  public boolean writeCountedByTag() {
    if (writes.isEmpty()) {
      return true;
    }
    if (COUNTED_VERBS.contains(verb)) {
      return dataModifications == 1;
    }
    return dataModifications == 0
        && (verb.equals("COPY") || verb.equals("SELECT INTO") || verb.equals("CREATE TABLE AS"));
  }
}
