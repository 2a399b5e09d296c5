package dev.warden.core.sql;

/**
 * A base column a value may come from: column {@code column} of table {@code table}, or, with
 * column {@code *}, any column of it (a whole-row reference, {@code *} of a table whose columns the
 * analyzer does not know). {@link #UNKNOWN} stands for a reference the analyzer could not resolve:
 * any column of any table the statement reads (fail closed).
 *
 * <p>Origins are candidates, not certainties: an unqualified name in a query over several tables is
 * an origin in each of them; the gateway keeps only those its column catalog confirms.
 */
public record ColumnOrigin(TableRef table, String column) {
  public static final ColumnOrigin UNKNOWN = new ColumnOrigin(null, "*");

  public static ColumnOrigin of(TableRef table, String column) {
    return new ColumnOrigin(table, column);
  }

  public boolean wholeRow() {
    return column.equals("*");
  }

  @Override
  public String toString() {
    return table == null ? "?" : table + "." + column;
  }
}
