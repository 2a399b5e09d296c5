package dev.warden.sql.mysql;

import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The MySQL analyzer with a cache of analyses by exact text (an analysis depends on nothing but the
 * text and the server's version, which the analyzer is for). Statements longer than {@link
 * #MAX_TEXT} are not kept; when the cache is full it starts over, so memory stays bounded.
 */
public final class CachingMysqlAnalyzer implements SqlAnalyzer {
  public static final int MAX_TEXT = 8192;

  private final SqlAnalyzer analyzer;
  private final int entries;
  private final ConcurrentHashMap<String, Statement> cache = new ConcurrentHashMap<>();

  public CachingMysqlAnalyzer(SqlAnalyzer analyzer, int entries) {
    this.analyzer = analyzer;
    this.entries = entries;
  }

  @Override
  public Statement analyze(String sql) {
    Statement cached = cache.get(sql);
    if (cached != null) {
      return cached;
    }
    Statement statement = analyzer.analyze(sql);
    if (sql.length() <= MAX_TEXT) {
      if (cache.size() >= entries) {
        cache.clear();
      }
      cache.put(sql, statement);
    }
    return statement;
  }
}
