package dev.warden.frontend.postgres;

import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.gateway.DatabaseCatalogs;
import dev.warden.protocol.postgres.message.DataRow;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a new backend session reads before the client may change anything: the schemas of its search
 * path, and — when the connection's catalog is missing or old — every function with its volatility,
 * every column of every relation (keyed as a RowDescription names it: table OID and attribute
 * number) and every view's definition, for the kernel's analysis and masking. One Query of several
 * statements; each result set is told apart by its position.
 */
final class CatalogReader {
  /** Comma-joined schemas of the effective search path (existing ones only). */
  static final String SEARCH_PATH_QUERY =
      "SELECT pg_catalog.array_to_string(pg_catalog.current_schemas(false), ',')";

  /** Every function of the database and its volatility. */
  static final String FUNCTIONS_QUERY =
      "SELECT n.nspname, p.proname, p.provolatile FROM pg_catalog.pg_proc p"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace";

  /**
   * Every column of every table, view and materialized view, the system catalogs' included: a
   * system relation's columns are known by name, so {@code SELECT *} over pg_catalog or
   * information_schema is masked column by column (only where a rule names a column), never whole.
   */
  static final String COLUMNS_QUERY =
      "SELECT c.oid, a.attnum, n.nspname, c.relname, a.attname FROM pg_catalog.pg_attribute a"
          + " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f')"
          + " AND n.nspname NOT LIKE 'pg\\_toast%'"
          + " ORDER BY c.oid, a.attnum";

  /**
   * Every view's definition, schema-qualified throughout: the search path is emptied for the rest
   * of the catalog read (a setting local to its implicit transaction), so pg_get_viewdef names each
   * table with its schema.
   */
  static final String VIEWS_QUERY =
      "SELECT pg_catalog.set_config('search_path', '', true);"
          + " SELECT n.nspname, c.relname, pg_catalog.pg_get_viewdef(c.oid)"
          + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind IN ('v','m') AND n.nspname NOT IN ('pg_catalog', 'information_schema')";

  /** Where the catalog read goes; null when this session need not read it. */
  private final DatabaseCatalogs catalogs;

  private final String connection;
  private final ColumnCatalog.Builder columns = new ColumnCatalog.Builder();
  private final FunctionCatalog.Builder functions = new FunctionCatalog.Builder();
  private int resultSets;
  private List<String> searchPath = List.of();

  CatalogReader(String connection, DatabaseCatalogs catalogs) {
    this.connection = connection;
    this.catalogs = catalogs;
  }

  /** The Query that reads it all. */
  String query() {
    return catalogs == null
        ? SEARCH_PATH_QUERY
        : String.join(";", SEARCH_PATH_QUERY, FUNCTIONS_QUERY, COLUMNS_QUERY, VIEWS_QUERY);
  }

  /** A RowDescription: the next result set starts. */
  void described() {
    resultSets++;
  }

  /** A row of the current result set. */
  void row(DataRow m) {
    List<ByteBuf> values = m.values();
    switch (resultSets) {
      case 1 -> {
        String schemas = values.isEmpty() || values.getFirst() == null ? "" : text(values.get(0));
        searchPath = schemas.isEmpty() ? List.of() : List.of(schemas.split(","));
      }
      case 2 ->
          functions.add(
              text(values.get(0)),
              text(values.get(1)),
              (char) values.get(2).getByte(values.get(2).readerIndex()));
      case 3 ->
          columns.add(
              MaskPlans.key(
                  Integer.parseUnsignedInt(text(values.get(0))),
                  Integer.parseInt(text(values.get(1)))),
              text(values.get(2)),
              text(values.get(3)),
              text(values.get(4)));
      case 5 -> {
        if (values.get(2) != null) {
          columns.view(text(values.get(0)), text(values.get(1)), text(values.get(2)));
        }
      }
      default -> {} // set_config's answer
    }
  }

  /** The read is complete: the catalogs, when read, go to the gateway's. */
  void done() {
    if (catalogs != null) {
      catalogs.loaded(connection, functions, columns);
    }
  }

  /** The schemas of the session's search path, in order. */
  List<String> searchPath() {
    return searchPath;
  }

  private static String text(ByteBuf value) {
    return value.toString(StandardCharsets.UTF_8);
  }
}
