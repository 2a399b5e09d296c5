package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.mask.MaskGuard;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Masking;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.Statement;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kernel's mask guard on real statements parsed by libpg_query, with the demo's schema and the
 * sample policy's masks for its agent: what runs (and which outputs are masked), what is an oracle,
 * a copy, a mask written back or a COPY it cannot mask.
 */
class MaskGuardTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());
  static final Masking MASKING =
      new DeclarativePolicyEngine(new PolicyParser().sample()).masking(Set.of("agent"), "shop");
  static final ColumnCatalog CATALOG = catalog();

  static ColumnCatalog catalog() {
    ColumnCatalog.Builder b = new ColumnCatalog.Builder();
    long key = 0;
    for (String c : "id full_name email phone card_number card_expiry ssn created_at".split(" ")) {
      b.add(++key, "public", "customers", c);
    }
    for (String c : "id customer_id amount status created_at".split(" ")) {
      b.add(++key, "public", "orders", c);
    }
    for (String c : "id customer_id total card_number issued_at".split(" ")) {
      b.add(++key, "billing", "invoices", c);
    }
    for (String c : "table_name column_name data_type".split(" ")) {
      b.add(++key, "information_schema", "columns", c);
    }
    return b.build();
  }

  /** sql | the rule that refuses it, or "run" | the masked outputs as position=rule (runs only). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT id, full_name FROM customers | run | ",
        "SELECT id, card_number FROM customers | run | 1=mask.card-number",
        "SELECT * FROM customers | run | 2=mask.email 4=mask.card-number 6=mask.ssn",
        "SELECT reverse(card_number) FROM customers | run | 0=mask.card-number",
        "SELECT upper(email), substr(ssn, 1, 3) FROM customers | run | 0=mask.email 1=mask.ssn",
        "SELECT x FROM (SELECT card_number AS x FROM customers) s | run | 0=mask.card-number",
        "SELECT card_number FROM customers UNION ALL SELECT card_number FROM billing.invoices | run | 0=mask.card-number",
        "SELECT * FROM information_schema.columns | run | ",
        "SELECT 1 | run | ",
        "SELECT id FROM customers WHERE ssn LIKE '9%' | masked-oracle | ",
        "SELECT id FROM customers ORDER BY card_number | masked-oracle | ",
        "SELECT DISTINCT email FROM customers | masked-oracle | ",
        "SELECT card_number::bigint FROM customers | masked-oracle | ",
        "SELECT coalesce(email, '') FROM customers | masked-oracle | ",
        "SELECT CASE WHEN ssn > '5' THEN 1 END FROM customers | masked-oracle | ",
        "SELECT length(card_number) + 1 FROM customers | masked-oracle | ",
        "SELECT pg_sleep(length(ssn)) FROM customers | masked-oracle | ",
        "INSERT INTO orders (status) SELECT card_number FROM customers | masked-derived | ",
        "UPDATE customers SET full_name = ssn | masked-derived | ",
        "CREATE TABLE copy AS SELECT email FROM customers | masked-derived | ",
        "UPDATE customers SET card_number = '************1111' WHERE id = 1 | masked-write-back | ",
        "INSERT INTO customers (id, ssn) VALUES (5, '[REDACTED]') | masked-write-back | ",
        "UPDATE customers SET card_number = '4111111111111111' WHERE id = 1 | run | ",
        "EXECUTE never_prepared | masked-derived | ",
        "FETCH 1 FROM never_declared | masked-derived | ",
        "COPY customers TO STDOUT (ENCODING 'LATIN1') | masked-copy | ",
        "COPY customers TO STDOUT (FORMAT csv) | run | 2=mask.email 4=mask.card-number 6=mask.ssn",
        "SET statement_timeout = 0; SELECT card_number FROM customers | run | 0=mask.card-number",
        "SELECT 1; SELECT card_number FROM customers | masked-derived | ",
        "SELECT card_number FROM customers; SELECT ssn FROM customers | masked-derived | ",
      })
  void theGuardDecides(String sql, String expected, String masks) {
    Statement statement = ANALYZER.analyze(sql).qualified("public");
    MaskGuard.Verdict verdict = MaskGuard.check(statement, MASKING, CATALOG, Map.of());
    if (expected.equals("run")) {
      assertThat(verdict.deny()).as(sql).isNull();
      StringBuilder actual = new StringBuilder();
      verdict.outputs().byPosition().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(
              e -> actual.append(e.getKey()).append('=').append(e.getValue().rule()).append(' '));
      assertThat(actual.toString().strip()).as(sql).isEqualTo(masks == null ? "" : masks);
    } else {
      assertThat(verdict.deny()).as(sql).isNotNull();
      assertThat(verdict.deny().rule()).as(sql).isEqualTo(expected);
    }
  }

  /** A mask bound as a parameter is caught at the value, whatever the statement's text says. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "UPDATE customers SET card_number = $1 WHERE id = 1 | ************1111 | masked-write-back",
        "UPDATE customers SET card_number = $1 WHERE id = 1 | 4111111111111111 | run",
        "INSERT INTO customers (id, ssn) VALUES (7, $1) | [REDACTED] | masked-write-back",
        "INSERT INTO customers (id, full_name) VALUES (7, $1) | ***** | run",
      })
  void boundValuesAreCheckedToo(String sql, String value, String expected) {
    Statement statement = ANALYZER.analyze(sql).qualified("public");
    MaskGuard.Verdict verdict = MaskGuard.check(statement, MASKING, CATALOG, Map.of(1, value));
    assertThat(verdict.deny() == null ? "run" : verdict.deny().rule()).isEqualTo(expected);
  }
}
