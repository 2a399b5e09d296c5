package dev.warden.gateway;

import java.util.HashMap;
import java.util.Map;

/**
 * The columns of a database's tables and views, by table OID and attribute number, as a
 * RowDescription reports a result column's origin. Read from pg_attribute with the function
 * catalog.
 */
public final class ColumnCatalog {
  public static final ColumnCatalog EMPTY = new ColumnCatalog(Map.of());

  /** A base column: where a result column's values come from. */
  public record Column(String schema, String table, String name) {}

  private final Map<Long, Column> columns;
  private final Map<String, java.util.List<Column>> byTable;
  private final Map<String, java.util.List<Column>> byName;

  private ColumnCatalog(Map<Long, Column> columns) {
    this.columns = columns;
    // In attribute order, so a table's columns are listed as SELECT * returns them.
    java.util.List<Column> ordered =
        columns.entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .map(Map.Entry::getValue)
            .toList();
    Map<String, java.util.List<Column>> tables = new HashMap<>();
    for (Column c : ordered) {
      tables.computeIfAbsent(c.schema() + "." + c.table(), k -> new java.util.ArrayList<>()).add(c);
    }
    this.byTable = tables;
    Map<String, java.util.List<Column>> names = new HashMap<>();
    for (Column c : ordered) {
      names.computeIfAbsent(c.table(), k -> new java.util.ArrayList<>()).add(c);
    }
    this.byName = names;
  }

  /**
   * The columns of a table in attribute order, or an empty list when it is not known. A null schema
   * (a name not resolved through the search path) means the tables of that name in every schema.
   */
  public java.util.List<Column> columnsOf(String schema, String table) {
    if (schema == null) {
      return byName.getOrDefault(table, java.util.List.of());
    }
    return byTable.getOrDefault(schema + "." + table, java.util.List.of());
  }

  /** The column, or null when the table is not known (created after the catalog was read). */
  public Column column(int tableOid, int attnum) {
    return columns.get(key(tableOid, attnum));
  }

  private static long key(int tableOid, int attnum) {
    return (Integer.toUnsignedLong(tableOid) << 16) | (attnum & 0xFFFF);
  }

  /** Collects pg_attribute rows. */
  public static final class Builder {
    private final Map<Long, Column> columns = new HashMap<>();

    public Builder add(int tableOid, int attnum, String schema, String table, String column) {
      columns.put(key(tableOid, attnum), new Column(schema, table, column));
      return this;
    }

    public ColumnCatalog build() {
      return new ColumnCatalog(Map.copyOf(columns));
    }
  }
}
