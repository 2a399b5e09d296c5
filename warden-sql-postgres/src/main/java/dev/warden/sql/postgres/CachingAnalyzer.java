package dev.warden.sql.postgres;

import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Analyses once, looks up after. Two bounded caches in front of {@link PostgresAnalyzer}:
 *
 * <ol>
 *   <li>by exact text: the same string always parses the same way, whatever it is (a prepared
 *       statement parsed on every connection, an ORM's query, even an invalid statement);
 *   <li>by normalized text (libpg_query replaces every constant with {@code $n}): a statement that
 *       differs only in literals, as simple-protocol OLTP traffic does, reuses the analysis of its
 *       shape. Only for statements whose analysis cannot depend on a literal: plain SELECT, INSERT,
 *       UPDATE, DELETE and MERGE, with no settings. Anything else (SET, EXPLAIN options, COPY
 *       options, transaction modes, utility statements) is analysed from its own text.
 * </ol>
 *
 * <p>Analyses do not depend on the session's search path (names are resolved after, per session),
 * so the path is not part of the key. Each cache holds at most {@code entries} statements in two
 * generations: when the young one is full it becomes the old one and the previous old one is
 * dropped; a hit in the old generation moves the entry back. Texts longer than {@link
 * #MAX_CACHED_CHARS} are not cached (bulk inserts would only evict useful entries).
 */
public final class CachingAnalyzer implements SqlAnalyzer {
  public static final int DEFAULT_ENTRIES = 10_000;
  public static final int MAX_CACHED_CHARS = 4096;

  private static final Set<String> LITERAL_FREE_VERBS =
      Set.of("SELECT", "INSERT", "UPDATE", "DELETE", "MERGE");

  private final PostgresAnalyzer analyzer;
  private final PgQuery pgQuery;
  private final Generations exact;
  private final Generations normalized;
  private final LongAdder exactHits = new LongAdder();
  private final LongAdder normalizedHits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  public CachingAnalyzer(PgQuery pgQuery, int entries) {
    this.pgQuery = pgQuery;
    this.analyzer = new PostgresAnalyzer(pgQuery);
    this.exact = new Generations(entries);
    this.normalized = new Generations(entries);
  }

  @Override
  public Statement analyze(String sql) {
    if (sql.length() > MAX_CACHED_CHARS) {
      misses.increment();
      return analyzer.analyze(sql);
    }
    Statement cached = exact.get(sql);
    if (cached != null) {
      exactHits.increment();
      return cached;
    }
    String shape = pgQuery.normalize(sql);
    if (shape != null) {
      Statement same = normalized.get(shape);
      if (same != null) {
        normalizedHits.increment();
        return new Statement(sql, same.statementClass(), same.parts(), same.error());
      }
    }
    misses.increment();
    Statement fresh = analyzer.analyze(sql);
    exact.put(sql, fresh);
    if (shape != null && literalFree(fresh)) {
      normalized.put(shape, fresh);
    }
    return fresh;
  }

  /** Whether no literal of the statement can change its analysis (see the class comment). */
  static boolean literalFree(Statement statement) {
    if (statement.statementClass() == StatementClass.INVALID || statement.parts().isEmpty()) {
      return false;
    }
    for (StatementPart part : statement.parts()) {
      if (!LITERAL_FREE_VERBS.contains(part.verb())
          || !part.settings().isEmpty()
          || part.columns().writesLiterals()) {
        return false;
      }
    }
    return true;
  }

  public long exactHits() {
    return exactHits.sum();
  }

  public long normalizedHits() {
    return normalizedHits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  /** Statements held, both caches, both generations (an upper bound under concurrency). */
  int size() {
    return exact.size() + normalized.size();
  }

  /** A bounded map in two generations; see the class comment. */
  private static final class Generations {
    private final int half;
    private volatile ConcurrentHashMap<String, Statement> young = new ConcurrentHashMap<>();
    private volatile ConcurrentHashMap<String, Statement> old = new ConcurrentHashMap<>();

    Generations(int entries) {
      this.half = Math.max(1, entries / 2);
    }

    int size() {
      return young.size() + old.size();
    }

    Statement get(String key) {
      Statement value = young.get(key);
      if (value == null) {
        value = old.get(key);
        if (value != null) {
          put(key, value);
        }
      }
      return value;
    }

    void put(String key, Statement value) {
      ConcurrentHashMap<String, Statement> current = young;
      current.put(key, value);
      if (current.size() >= half) {
        synchronized (this) {
          if (young == current) {
            old = current;
            young = new ConcurrentHashMap<>();
          }
        }
      }
    }
  }
}
