package dev.warden.core.sql;

import java.util.List;
import java.util.Set;

/**
 * How a statement part uses columns, for masking: the columns that shape its result (WHERE, JOIN
 * conditions, GROUP BY, HAVING, ORDER BY, DISTINCT, window partitions and ordering, set operations
 * that compare rows) — an oracle when masked — and the values it writes into columns. Names are as
 * written, without qualifier ({@code c.ssn} is {@code ssn}); {@code *} stands for every column of
 * the tables read.
 *
 * @param shaping column names used where they shape the result
 * @param derived column names whose values feed a computed output or a write: an expression in a
 *     select list or RETURNING, a value assigned by INSERT or UPDATE, the select list of INSERT …
 *     SELECT or CREATE TABLE AS
 * @param writes columns assigned a value (INSERT, UPDATE SET, ON CONFLICT DO UPDATE)
 * @param outputs for a plain SELECT whose select list has no {@code *}: per output column, in
 *     order, the columns its value is computed from (empty for a bare column reference, whose
 *     origin the database reports itself); such computed outputs are not in {@code derived}, so
 *     they can be masked as a whole instead of refused. Empty when not known.
 */
public record ColumnUses(
    Set<String> shaping, Set<String> derived, List<ColumnWrite> writes, List<Set<String>> outputs) {
  public static final ColumnUses NONE = new ColumnUses(Set.of(), Set.of(), List.of(), List.of());

  public ColumnUses {
    shaping = Set.copyOf(shaping);
    derived = Set.copyOf(derived);
    writes = List.copyOf(writes);
    outputs = outputs.stream().map(Set::copyOf).toList();
  }

  /**
   * A value written into a column: a string constant ({@code literal}), a bind parameter ({@code
   * parameter} &gt; 0, {@code $n}), or an expression (neither). Column {@code *} means every
   * column, in table order (INSERT without a column list).
   */
  public record ColumnWrite(String column, String literal, int parameter) {}

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
