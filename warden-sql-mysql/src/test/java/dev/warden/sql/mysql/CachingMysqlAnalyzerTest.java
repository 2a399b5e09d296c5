package dev.warden.sql.mysql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CachingMysqlAnalyzerTest {
  @Test
  void theSameTextIsAnalysedOnceAndTheCacheStaysBounded() {
    MysqlAnalyzer real = new MysqlAnalyzer("10.11.19-MariaDB");
    AtomicInteger calls = new AtomicInteger();
    CachingMysqlAnalyzer cached =
        new CachingMysqlAnalyzer(
            sql -> {
              calls.incrementAndGet();
              return real.analyze(sql);
            },
            2);
    Statement first = cached.analyze("SELECT 1");
    assertThat(cached.analyze("SELECT 1")).isSameAs(first);
    assertThat(calls).hasValue(1);
    // Another text is another analysis: a cache keyed by anything coarser would be wrong here.
    assertThat(cached.analyze("SELECT 1; DROP TABLE t").parts()).hasSize(2);
    cached.analyze("SELECT 2");
    cached.analyze("SELECT 3");
    cached.analyze("SELECT 1");
    assertThat(calls).hasValue(5);
    // Long texts are analysed every time, never kept.
    String longText = "SELECT '" + "x".repeat(CachingMysqlAnalyzer.MAX_TEXT) + "'";
    cached.analyze(longText);
    cached.analyze(longText);
    assertThat(calls).hasValue(7);
  }
}
