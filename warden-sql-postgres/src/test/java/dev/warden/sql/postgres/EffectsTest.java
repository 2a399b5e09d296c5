package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.admission.Effects;
import dev.warden.core.sql.FunctionCatalog;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which statements may run while their audit record is made durable (their result withheld until
 * then): decided on statements parsed by libpg_query, against PostgreSQL 15's built-in functions.
 */
class EffectsTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());
  static final FunctionCatalog FUNCTIONS = FunctionCatalog.builtin();

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // Plain reads, with immutable and stable functions: free.
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1 | true",
        "SELECT lower(name), now(), count(*) FROM customers GROUP BY 1 | true",
        "WITH x AS (SELECT * FROM orders) SELECT * FROM x JOIN customers USING (id) | true",
        "VALUES (1), (2) | true",
        "TABLE orders | true",
        "SELECT 1; SELECT 2 | true",
        "DECLARE c CURSOR FOR SELECT * FROM orders | true",
        // Row locks, volatile or unknown functions: others feel them, or they may write.
        "SELECT * FROM orders FOR UPDATE | false",
        "SELECT * FROM orders FOR SHARE SKIP LOCKED | false",
        "SELECT nextval('orders_id_seq') | false",
        "SELECT random() | false",
        "SELECT pg_advisory_lock(1) | false",
        "SELECT my_function_that_writes() | false",
        "SELECT set_config('search_path', 'x', false) | false",
        // Writes anywhere, DDL, settings, transactions, COPY, utilities: not free.
        "WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d | false",
        "SELECT * INTO copy_of_orders FROM orders | false",
        "INSERT INTO orders VALUES (1) | false",
        "UPDATE orders SET total = 0 | false",
        "CREATE TABLE t (id int) | false",
        "SET search_path = x | false",
        "BEGIN | false",
        "COMMIT | false",
        "COPY orders TO STDOUT | false",
        "LISTEN events | false",
        "LOCK orders IN ACCESS SHARE MODE | false",
        "EXPLAIN ANALYZE SELECT * FROM orders | false",
        "SELECT 1; DELETE FROM orders | false",
        "SHOW search_path | false",
        "SELEC 1 | false",
      })
  void onlyPlainReadsAreFreeOfEffects(String sql, boolean free) {
    assertThat(Effects.free(ANALYZER.analyze(sql), FUNCTIONS)).isEqualTo(free);
  }
}
