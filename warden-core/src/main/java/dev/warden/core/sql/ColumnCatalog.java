package dev.warden.core.sql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The columns of a database's tables and views (the system's own too), in each table's order, and
 * its views' definitions, so a view's columns are traced to the columns they read. A front door
 * also files each column under a key of its protocol's choosing — PostgreSQL: the table OID and
 * attribute number a RowDescription reports as a result column's origin — to find it from a
 * result's description. Read by the front door with the function catalog.
 */
public final class ColumnCatalog {
  public static final ColumnCatalog EMPTY = new ColumnCatalog(Map.of(), Map.of(), null);

  /** A base column: where a result column's values come from. */
  public record Column(String schema, String table, String name) {}

  private final Map<Long, Column> columns;
  private final Map<String, List<Column>> byTable;
  private final Map<String, List<Column>> byName;

  /** View definitions (schema-qualified SQL), by "schema.name". */
  private final Map<String, String> views;

  /** Reads a view's definition; null when statements are not analyzed. */
  private final Function<String, Statement> analyzer;

  /** Views analyzed so far (their one SELECT part; empty when it cannot be traced). */
  private final ConcurrentMap<String, Optional<StatementPart>> analyzed = new ConcurrentHashMap<>();

  private ColumnCatalog(
      Map<Long, Column> columns, Map<String, String> views, Function<String, Statement> analyzer) {
    this.columns = columns;
    this.views = views;
    this.analyzer = analyzer;
    // In attribute order, so a table's columns are listed as SELECT * returns them.
    List<Column> ordered =
        columns.entrySet().stream()
            .sorted(Map.Entry.comparingByKey())
            .map(Map.Entry::getValue)
            .toList();
    Map<String, List<Column>> tables = new HashMap<>();
    for (Column c : ordered) {
      tables.computeIfAbsent(c.schema() + "." + c.table(), k -> new ArrayList<>()).add(c);
    }
    this.byTable = tables;
    Map<String, List<Column>> names = new HashMap<>();
    for (Column c : ordered) {
      names.computeIfAbsent(c.table(), k -> new ArrayList<>()).add(c);
    }
    this.byName = names;
  }

  /** The tables and views with known columns, as "schema.name", sorted. */
  public List<String> tables() {
    return byTable.keySet().stream().sorted().toList();
  }

  /**
   * The columns of a table in attribute order, or an empty list when it is not known. A null schema
   * (a name not resolved through the search path) means the tables of that name in every schema.
   */
  public List<Column> columnsOf(String schema, String table) {
    if (schema == null) {
      return byName.getOrDefault(table, List.of());
    }
    return byTable.getOrDefault(schema + "." + table, List.of());
  }

  /**
   * The column filed under a front door's key, or null when it is not known (a relation created
   * after the catalog was read).
   */
  public Column column(long key) {
    return columns.get(key);
  }

  /** Whether {@code schema.name} is a view (or materialized view) whose definition was read. */
  public boolean isView(String schema, String name) {
    return schema != null && views.containsKey(schema + "." + name);
  }

  /**
   * A view's definition as the analyzer traces it: its one SELECT part, whose outputs are the
   * view's columns in order. Empty when it is not a view, or its definition cannot be traced (then
   * callers fail closed).
   */
  public Optional<StatementPart> view(String schema, String name) {
    String key = schema + "." + name;
    String sql = views.get(key);
    if (sql == null || analyzer == null) {
      return Optional.empty();
    }
    return analyzed.computeIfAbsent(
        key,
        k -> {
          Statement statement = analyzer.apply(sql);
          if (statement.parts().size() != 1
              || statement.parts().getFirst().columns().outputs().isEmpty()) {
            return Optional.empty();
          }
          return Optional.of(statement.parts().getFirst());
        });
  }

  /** Collects pg_attribute rows and view definitions. */
  public static final class Builder {
    private final Map<Long, Column> columns = new HashMap<>();
    private final Map<String, String> views = new HashMap<>();

    /** A column, filed under {@code key}; columns are listed in the order of their keys. */
    public Builder add(long key, String schema, String table, String column) {
      columns.put(key, new Column(schema, table, column));
      return this;
    }

    /** A view's definition, every name in it schema-qualified. */
    public Builder view(String schema, String name, String definition) {
      views.put(schema + "." + name, definition);
      return this;
    }

    public ColumnCatalog build() {
      return build(null);
    }

    /** With {@code analyzer}, views are traced to the columns they read. */
    public ColumnCatalog build(Function<String, Statement> analyzer) {
      return new ColumnCatalog(Map.copyOf(columns), Map.copyOf(views), analyzer);
    }
  }
}
