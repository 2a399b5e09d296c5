package dev.warden.core.sql;

/**
 * The foundation's analyzer: it understands nothing and says so ({@link
 * StatementClass#UNANALYZED}). It exists so the pipeline's shape is in place before the PostgreSQL
 * analyzer lands; no policy may allow an unanalyzed statement except {@code AllowAllPolicy}.
 */
public final class UnanalyzedSqlAnalyzer implements SqlAnalyzer {
  @Override
  public Statement analyze(String sql) {
    return new Statement(sql, StatementClass.UNANALYZED);
  }
}
