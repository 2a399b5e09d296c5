package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the native binding: a crash in libpg_query would take the whole gateway down, so every
 * input — random bytes, mutated corpus statements, pathological nesting and lengths — must come
 * back as an analysis or as INVALID, never as an exception or a dead JVM. Seeded, so a failure
 * reproduces; bounded in count.
 */
class AnalyzerFuzzTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());
  static final CachingAnalyzer CACHED = new CachingAnalyzer(PgQuery.load(), 1000);
  static final List<String> SEEDS =
      Stream.concat(
              Corpus.load("agent-adversarial.sql").cases().stream(),
              Corpus.load("agent-benign.sql").cases().stream())
          .map(Corpus.Case::sql)
          .toList();
  static final String ALPHABET = "'\"$\\;()[]{}*/-+:=<>!@#%^&|~`?,.E_U&0123456789 \t\nselctfromwhr";

  @Test
  void randomAndMutatedInputsNeverCrashTheParser() {
    Random random = new Random(20261122);
    for (int i = 0; i < 20_000; i++) {
      String input =
          switch (i % 4) {
            case 0 -> randomChars(random, random.nextInt(200));
            case 1 -> mutate(random, SEEDS.get(random.nextInt(SEEDS.size())));
            case 2 -> splice(random);
            default -> randomUnicode(random, random.nextInt(100));
          };
      analyzedSafely(input);
    }
  }

  @Test
  void pathologicalShapesAreRefusedOrAnalysed() {
    for (int depth : new int[] {100, 1_000, 10_000, 100_000}) {
      analyzedSafely("SELECT " + "(".repeat(depth) + "1" + ")".repeat(depth));
      analyzedSafely("SELECT " + "ARRAY[".repeat(depth) + "1" + "]".repeat(depth));
      analyzedSafely("SELECT * FROM t WHERE " + "NOT ".repeat(depth) + "true");
      analyzedSafely("SELECT 1" + " UNION SELECT 1".repeat(Math.min(depth, 20_000)));
      analyzedSafely(
          "WITH "
              + "a AS (SELECT 1), ".repeat(Math.min(depth, 5_000))
              + "b AS (SELECT 1) SELECT 1");
      analyzedSafely("SELECT " + "-".repeat(depth) + "1");
      analyzedSafely("SELECT '" + "x".repeat(depth * 5) + "'");
      analyzedSafely("/*" + "/*".repeat(depth) + "*/".repeat(depth) + "*/ SELECT 1");
    }
    // The deepest trees per character: one prefix operator or two characters per level, up to
    // the longest statement the analyzer accepts.
    int longest = PostgresAnalyzer.MAX_STATEMENT_CHARS - 16;
    analyzedSafely("SELECT " + "~".repeat(longest) + "1");
    analyzedSafely("SELECT 1" + "+1".repeat(longest / 2));
    analyzedSafely("SELECT 1" + " UNION SELECT 1".repeat(longest / 15));
    analyzedSafely("");
    analyzedSafely(";;;;");
    analyzedSafely("SELECT 1\0; DROP TABLE t");
    assertThat(ANALYZER.analyze("SELECT 1\0; DROP TABLE t").statementClass())
        .isEqualTo(StatementClass.INVALID);
    analyzedSafely("x".repeat(PostgresAnalyzer.MAX_STATEMENT_CHARS + 1));
  }

  static void analyzedSafely(String input) {
    Statement direct = ANALYZER.analyze(input);
    Statement cached = CACHED.analyze(input);
    assertThat(direct.statementClass()).isNotNull();
    assertThat(cached.statementClass()).isEqualTo(direct.statementClass());
    if (direct.statementClass() == StatementClass.INVALID) {
      assertThat(direct.error()).isNotBlank();
    }
  }

  static String randomChars(Random random, int length) {
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      out.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return out.toString();
  }

  static String randomUnicode(Random random, int length) {
    StringBuilder out = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int cp = random.nextInt(0x2FFFF) + 1;
      if (Character.isValidCodePoint(cp) && !(cp >= 0xD800 && cp <= 0xDFFF)) {
        out.appendCodePoint(cp);
      }
    }
    return out.toString();
  }

  static String mutate(Random random, String seed) {
    StringBuilder out = new StringBuilder(seed);
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && !out.isEmpty(); e++) {
      int at = random.nextInt(out.length());
      switch (random.nextInt(3)) {
        case 0 -> out.deleteCharAt(at);
        case 1 -> out.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        default -> out.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
    }
    return out.toString();
  }

  static String splice(Random random) {
    String a = SEEDS.get(random.nextInt(SEEDS.size()));
    String b = SEEDS.get(random.nextInt(SEEDS.size()));
    return a.substring(0, random.nextInt(a.length() + 1))
        + b.substring(random.nextInt(b.length() + 1));
  }
}
