package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import org.junit.jupiter.api.Test;

class CachingAnalyzerTest {
  static final PgQuery PG_QUERY = PgQuery.load();
  final CachingAnalyzer analyzer = new CachingAnalyzer(PG_QUERY, 100);

  @Test
  void theSameTextIsAnalysedOnce() {
    Statement first = analyzer.analyze("SELECT * FROM public.orders WHERE id = 1");
    assertThat(analyzer.analyze("SELECT * FROM public.orders WHERE id = 1")).isSameAs(first);
    assertThat(analyzer.misses()).isEqualTo(1);
    assertThat(analyzer.exactHits()).isEqualTo(1);
  }

  @Test
  void statementsDifferingOnlyInLiteralsShareTheirAnalysisButKeepTheirText() {
    Statement a = analyzer.analyze("SELECT * FROM public.orders WHERE status = 'paid' AND id = 1");
    Statement b = analyzer.analyze("SELECT * FROM public.orders WHERE status = 'new' AND id = 99");
    assertThat(analyzer.normalizedHits()).isEqualTo(1);
    assertThat(b.text()).isEqualTo("SELECT * FROM public.orders WHERE status = 'new' AND id = 99");
    assertThat(b.parts()).isEqualTo(a.parts());
    // A string constant hiding a statement is a constant like any other.
    Statement c =
        analyzer.analyze(
            "SELECT * FROM public.orders WHERE status = 'x''; DROP TABLE t; --' AND id = 2");
    assertThat(c.parts()).isEqualTo(a.parts());
  }

  @Test
  void aStringWrittenIntoAColumnIsPartOfTheAnalysis() {
    // It is checked against the mask tokens, so its statement is not shared by shape.
    analyzer.analyze("UPDATE public.orders SET status = 'paid' WHERE id = 1");
    Statement other = analyzer.analyze("UPDATE public.orders SET status = '****' WHERE id = 1");
    assertThat(analyzer.normalizedHits()).isZero();
    assertThat(other.parts().getFirst().columns().writes().getFirst().literal()).isEqualTo("****");
  }

  @Test
  void literalsThatShapeTheAnalysisAreNeverShared() {
    Statement dry = analyzer.analyze("EXPLAIN (ANALYZE false) DELETE FROM public.orders");
    Statement wet = analyzer.analyze("EXPLAIN (ANALYZE true) DELETE FROM public.orders");
    assertThat(dry.parts().getFirst().writes()).isEmpty();
    assertThat(wet.parts().getFirst().writes()).isNotEmpty();
    Statement readOnly = analyzer.analyze("SET default_transaction_read_only = on");
    Statement other = analyzer.analyze("SET default_transaction_read_only = off");
    assertThat(readOnly.text()).isNotEqualTo(other.text());
    assertThat(analyzer.analyze("BEGIN READ ONLY").parts().getFirst().settings()).isEmpty();
    assertThat(analyzer.analyze("BEGIN READ WRITE").parts().getFirst().settings())
        .contains("transaction_read_only");
    assertThat(analyzer.normalizedHits()).isZero();
  }

  @Test
  void aDistinctOnPositionSharedByShapeStillCountsTheColumnItNames() {
    // libpg_query's normalization turns DISTINCT ON (1) and (2) into one shape: the second must
    // not inherit the first's shaping columns (a mask oracle on c.card otherwise).
    analyzer.analyze("SELECT DISTINCT ON (1) name, card FROM public.c");
    Statement second = analyzer.analyze("SELECT DISTINCT ON (2) name, card FROM public.c");
    assertThat(second.parts().getFirst().columns().shaping().toString()).contains("card");
    // ORDER BY and GROUP BY positions stay in the shape, so they keep their precision.
    Statement byName = analyzer.analyze("SELECT name, card FROM public.c ORDER BY 1");
    assertThat(byName.parts().getFirst().columns().shaping().toString()).doesNotContain("card");
    assertThat(
            analyzer
                .analyze("SELECT name, card FROM public.c ORDER BY 2")
                .parts()
                .getFirst()
                .columns()
                .shaping()
                .toString())
        .contains("card");
  }

  @Test
  void invalidStatementsAreCachedByTextOnly() {
    Statement bad = analyzer.analyze("SELEC 1");
    assertThat(bad.statementClass()).isEqualTo(StatementClass.INVALID);
    assertThat(analyzer.analyze("SELEC 1")).isSameAs(bad);
    assertThat(analyzer.analyze("SELEC 2").statementClass()).isEqualTo(StatementClass.INVALID);
    assertThat(analyzer.normalizedHits()).isZero();
  }

  @Test
  void theCacheStaysWithinItsBound() {
    for (int i = 0; i < 1_000; i++) {
      analyzer.analyze("SELECT " + i + " FROM public.t" + i);
    }
    assertThat(analyzer.size()).isLessThanOrEqualTo(200);
    assertThat(analyzer.analyze("SELECT 999 FROM public.t999").text())
        .isEqualTo("SELECT 999 FROM public.t999");
  }

  @Test
  void longTextsAreNotCached() {
    String big = "SELECT 1" + " ".repeat(CachingAnalyzer.MAX_CACHED_CHARS);
    analyzer.analyze(big);
    analyzer.analyze(big);
    assertThat(analyzer.misses()).isEqualTo(2);
  }
}
