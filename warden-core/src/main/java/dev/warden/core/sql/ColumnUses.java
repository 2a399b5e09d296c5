package dev.warden.core.sql;

import java.util.List;
import java.util.Set;

/**
 * How a statement part uses columns, for masking, as the lineage of every value back to the base
 * columns it may come from ({@link ColumnOrigin}):
 *
 * @param shaping columns used where they shape the result: WHERE, JOIN conditions, GROUP BY,
 *     HAVING, ORDER BY, DISTINCT, window partitions and ordering, aggregate ORDER BY and FILTER,
 *     set operations that compare rows — anywhere in the statement, subqueries included. A masked
 *     one is an oracle.
 * @param derived columns whose values are copied somewhere other than the client: into a table
 *     (INSERT … SELECT, UPDATE SET, CREATE TABLE AS, a view's definition), or into something Warden
 *     cannot mask on the way out.
 * @param writes values assigned to columns (INSERT, UPDATE SET, ON CONFLICT DO UPDATE, MERGE)
 * @param outputs the statement's result columns, in order, each with the columns its value comes
 *     from (SELECT, set operations, VALUES, RETURNING, the query of COPY or DECLARE, COPY of a
 *     table). An entry may be a star of a base table whose columns only the catalog knows.
 * @param sensitive columns whose value may decide something the client sees other than a cell:
 *     whether the statement raises an error (a cast that can fail, arithmetic that can overflow or
 *     divide by zero, a function not known to be total), how long it runs, or which branch a
 *     condition takes (CASE, COALESCE, NULLIF, GREATEST, LEAST, AND/OR). A masked one is an oracle
 *     even when the result it feeds is masked.
 */
public record ColumnUses(
    Set<ColumnOrigin> shaping,
    Set<ColumnOrigin> derived,
    List<ColumnWrite> writes,
    List<Output> outputs,
    Set<ColumnOrigin> sensitive) {
  public static final ColumnUses NONE =
      new ColumnUses(Set.of(), Set.of(), List.of(), List.of(), Set.of());

  public ColumnUses {
    shaping = Set.copyOf(shaping);
    derived = Set.copyOf(derived);
    writes = List.copyOf(writes);
    outputs = List.copyOf(outputs);
    sensitive = Set.copyOf(sensitive);
  }

  /** Uses with no sensitive columns. */
  public ColumnUses(
      Set<ColumnOrigin> shaping,
      Set<ColumnOrigin> derived,
      List<ColumnWrite> writes,
      List<Output> outputs) {
    this(shaping, derived, writes, outputs, Set.of());
  }

  /**
   * One result column. {@code direct}: the value is a base column's own value, passed on unchanged
   * (through aliases, subqueries, CTEs, set operations), so the column's own mask applies;
   * otherwise it is computed and is masked as a whole. {@code star}: not one column but every
   * column of this base table, in table order ({@code SELECT *} over a table), each its own origin.
   */
  public record Output(Set<ColumnOrigin> sources, boolean direct, TableRef star) {
    public Output {
      sources = Set.copyOf(sources);
    }

    public static Output of(Set<ColumnOrigin> sources, boolean direct) {
      return new Output(sources, direct, null);
    }

    public static Output starOf(TableRef table) {
      return new Output(Set.of(ColumnOrigin.of(table, "*")), true, table);
    }
  }

  /**
   * A value written into a column of {@code table}: a string constant ({@code literal}), a bind
   * parameter ({@code parameter} &gt; 0, {@code $n}), or an expression (neither). Column {@code *}
   * means every column, in table order (INSERT without a column list).
   */
  public record ColumnWrite(TableRef table, String column, String literal, int parameter) {}

  /** Whether a literal written matters to a decision (so the analysis depends on it). */
  public boolean writesLiterals() {
    for (ColumnWrite write : writes) {
      if (write.literal() != null) {
        return true;
      }
    }
    return false;
  }
}
