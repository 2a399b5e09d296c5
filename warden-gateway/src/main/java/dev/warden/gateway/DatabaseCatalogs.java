package dev.warden.gateway;

import dev.warden.core.admission.Catalogs;
import dev.warden.core.sql.ColumnCatalog;
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
public final class DatabaseCatalogs implements Catalogs {
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
  @Override
  public FunctionCatalog functions(String connection) {
    return get(connection);
  }

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
    if (held != null
        && held.loadedAt().plus(MAX_AGE).isAfter(now)
        && !stale.containsKey(connection)) {
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
    loaded(connection, functions, columns, analyzer);
  }

  /**
   * A connection's catalog as read, its views traced with {@code viewAnalyzer} (the analyzer of
   * that connection's own dialect; null: views are known by their own names only).
   */
  public void loaded(
      String connection,
      FunctionCatalog.Builder functions,
      ColumnCatalog.Builder columns,
      Function<String, Statement> viewAnalyzer) {
    catalogs.put(connection, functions.build(clock.instant()));
    this.columns.put(connection, columns.build(viewAnalyzer));
    loading.remove(connection);
    stale.remove(connection);
  }

  /**
   * A result came from a relation the catalog does not know (created since it was read): the
   * catalog is to be read again now rather than at its age limit. True when the caller should start
   * that read — at most once per {@link #STALE_INTERVAL} per connection.
   */
  public boolean markStale(String connection) {
    Instant now = clock.instant();
    boolean[] first = {false};
    lastStale.compute(
        connection,
        (name, since) -> {
          if (since == null || since.plus(STALE_INTERVAL).isBefore(now)) {
            first[0] = true;
            return now;
          }
          return since;
        });
    if (first[0]) {
      stale.put(connection, now);
    }
    return first[0];
  }

  /** When each connection's catalog was last marked stale (to mark it at most so often). */
  private final ConcurrentMap<String, Instant> lastStale = new ConcurrentHashMap<>();

  /** How often an unknown relation may make a connection's catalog be read again. */
  public static final Duration STALE_INTERVAL = Duration.ofSeconds(5);

  /** Connections whose catalog missed a relation, since when. */
  private final ConcurrentMap<String, Instant> stale = new ConcurrentHashMap<>();

  /** The columns of {@code connection}'s tables, as last read. */
  @Override
  public ColumnCatalog columns(String connection) {
    ColumnCatalog catalog = columns.get(connection);
    return catalog == null ? ColumnCatalog.EMPTY : catalog;
  }
}
