package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.ColumnUses.ColumnWrite;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Where statements use columns: what shapes the result, what feeds a computed value or write. */
class ColumnUsesTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());

  static ColumnUses uses(String sql) {
    return ANALYZER.analyze(sql).parts().getFirst().columns();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT id FROM customers WHERE ssn LIKE '9%' | ssn | ",
        "SELECT c.id FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY c.card_number | customer_id,id,card_number | ",
        "SELECT lower(card_number), id FROM customers | | ",
        "SELECT row_to_json(c) FROM customers c | | ",
        "SELECT customers::text FROM customers | | ",
        "SELECT DISTINCT email FROM customers | email | ",
        "SELECT DISTINCT ON (ssn) id FROM customers | ssn | ",
        "SELECT email FROM customers UNION SELECT email FROM other | email | ",
        "SELECT email FROM customers UNION ALL SELECT email FROM other | | ",
        "SELECT ssn, count(*) FROM customers GROUP BY ssn HAVING count(*) > 1 | ssn | ",
        "SELECT id, rank() OVER (PARTITION BY email ORDER BY ssn) FROM customers | email,ssn | ",
        "SELECT CASE WHEN ssn LIKE '9%' THEN 1 END FROM customers | ssn | ",
        "SELECT string_agg(full_name, ',' ORDER BY card_number) FROM customers | card_number | ",
        "SELECT count(*) FROM customers | | ",
        "SELECT x FROM (SELECT upper(email) AS x FROM customers) s | | email",
        "UPDATE customers SET full_name = card_number WHERE id = 1 | id | card_number",
        "INSERT INTO t (x) SELECT card_number FROM customers | | card_number",
        "UPDATE customers SET email = 'a@b.c' RETURNING ssn | | ssn",
      })
  void shapingAndDerived(String sql, String shaping, String derived) {
    ColumnUses uses = uses(sql);
    assertThat(uses.shaping())
        .containsExactlyInAnyOrderElementsOf(
            shaping == null ? List.of() : List.of(shaping.split(",")));
    assertThat(uses.derived())
        .containsExactlyInAnyOrderElementsOf(
            derived == null ? List.of() : List.of(derived.split(",")));
  }

  @Test
  void theStatementsOwnOutputsAreTracedToTheirColumns() {
    assertThat(
            uses("SELECT id, lower(card_number), row_to_json(c), count(*) FROM customers c")
                .outputs())
        .containsExactly(
            java.util.Set.of(),
            java.util.Set.of("card_number"),
            java.util.Set.of("*"),
            java.util.Set.of());
    assertThat(uses("SELECT (SELECT max(ssn) FROM customers) AS m").outputs())
        .containsExactly(java.util.Set.of("ssn"));
    // With * the positions are not known: computed outputs count as derived (refused when masked).
    ColumnUses star = uses("SELECT *, lower(card_number) FROM customers");
    assertThat(star.outputs()).isEmpty();
    assertThat(star.derived()).containsExactly("card_number");
  }

  @Test
  void writtenValues() {
    assertThat(uses("UPDATE customers SET card_number = '************1111' WHERE id = 1").writes())
        .containsExactly(new ColumnWrite("card_number", "************1111", 0));
    assertThat(
            uses("INSERT INTO customers (id, card_number) VALUES (1, $1), (2, 'x'::text)").writes())
        .containsExactly(
            new ColumnWrite("id", null, 0),
            new ColumnWrite("card_number", null, 1),
            new ColumnWrite("id", null, 0),
            new ColumnWrite("card_number", "x", 0));
    assertThat(
            uses("INSERT INTO customers (id, ssn) VALUES (1, '1') ON CONFLICT (id) DO UPDATE SET ssn = $2")
                .writes())
        .contains(new ColumnWrite("ssn", "1", 0), new ColumnWrite("ssn", null, 2));
    assertThat(uses("INSERT INTO customers VALUES (1, 'x')").writes())
        .containsExactly(new ColumnWrite("*", null, 0), new ColumnWrite("*", "x", 0));
  }
}
