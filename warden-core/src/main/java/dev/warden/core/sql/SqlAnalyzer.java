package dev.warden.core.sql;

/** Turns statement text into a {@link Statement}. Implementations are dialect-specific. */
public interface SqlAnalyzer {
  Statement analyze(String sql);
}
