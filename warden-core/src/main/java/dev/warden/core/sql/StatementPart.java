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
 */
public record StatementPart(
    String verb,
    StatementClass statementClass,
    Set<TableRef> reads,
    Set<TableRef> writes,
    Set<String> functions,
    Set<String> operations,
    Set<String> settings,
    String name) {

  public StatementPart {
    reads = Set.copyOf(reads);
    writes = Set.copyOf(writes);
    functions = Set.copyOf(functions);
    operations = Set.copyOf(operations);
    settings = Set.copyOf(settings);
  }
}
