package dev.warden.gateway;

import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Each connection's catalogs: its functions (volatility from pg_proc) and its tables' columns (from
 * pg_attribute, to resolve where a result column comes from). A new backend session reads them when
 * the ones held are older than {@link #MAX_AGE}, so objects created since are known within minutes.
 * Until a connection's catalogs are read, PostgreSQL's built-in functions are known and every other
 * function is treated as possibly writing (fail closed), and no column is known (results are then
 * masked by the content classifiers only).
 */
public final class DatabaseCatalogs {
  public static final Duration MAX_AGE = Duration.ofMinutes(5);

  /** How long a claimed load may take before another session may try. */
  private static final Duration LOAD_CLAIM = Duration.ofSeconds(30);

  private final FunctionCatalog builtin = FunctionCatalog.builtin();
  private final ConcurrentMap<String, FunctionCatalog> catalogs = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ColumnCatalog> columns = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Instant> loading = new ConcurrentHashMap<>();
  private final Clock clock;
  private final Function<String, Statement> analyzer;

  /** {@code analyzer} traces view definitions (null: views are known by their own names only). */
  public DatabaseCatalogs(Clock clock, Function<String, Statement> analyzer) {
    this.clock = clock;
    this.analyzer = analyzer;
  }

  /** The catalog to decide with on {@code connection}. */
  public FunctionCatalog get(String connection) {
    FunctionCatalog catalog = catalogs.get(connection);
    return catalog == null ? builtin : catalog;
  }

  /**
   * Whether the caller should read the catalog now: it is missing or old, and no other session is
   * reading it. A true answer claims the load until {@link #loaded} (or the claim expires).
   */
  public boolean claimLoad(String connection) {
    Instant now = clock.instant();
    FunctionCatalog held = catalogs.get(connection);
    if (held != null && held.loadedAt().plus(MAX_AGE).isAfter(now)) {
      return false;
    }
    Instant[] claimed = {null};
    loading.compute(
        connection,
        (name, since) -> {
          if (since == null || since.plus(LOAD_CLAIM).isBefore(now)) {
            claimed[0] = now;
            return now;
          }
          return since;
        });
    return claimed[0] != null;
  }

  public void loaded(
      String connection, FunctionCatalog.Builder functions, ColumnCatalog.Builder columns) {
    catalogs.put(connection, functions.build(clock.instant()));
    this.columns.put(connection, columns.build(analyzer));
    loading.remove(connection);
  }

  /** The columns of {@code connection}'s tables, as last read. */
  public ColumnCatalog columns(String connection) {
    ColumnCatalog catalog = columns.get(connection);
    return catalog == null ? ColumnCatalog.EMPTY : catalog;
  }
}
