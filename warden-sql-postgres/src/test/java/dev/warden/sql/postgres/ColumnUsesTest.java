package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.ColumnOrigin;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.ColumnUses.ColumnWrite;
import dev.warden.core.sql.TableRef;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lineage of statements' values: which base columns shape a result, are copied into tables, and
 * feed each output column — through aliases, subqueries, CTEs, set operations, stars and whole
 * rows.
 */
class ColumnUsesTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());

  static ColumnUses uses(String sql) {
    return ANALYZER.analyze(sql).parts().getFirst().columns();
  }

  static String names(Collection<ColumnOrigin> origins) {
    return String.join(",", new TreeSet<>(origins.stream().map(ColumnOrigin::toString).toList()));
  }

  /** Each output as "origins" (direct) or "~origins" (computed) or "*table" (a star). */
  static List<String> outputs(String sql) {
    return uses(sql).outputs().stream()
        .map(o -> o.star() != null ? "*" + o.star() : (o.direct() ? "" : "~") + names(o.sources()))
        .toList();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT id FROM customers WHERE ssn LIKE '9%' | customers.ssn | ",
        "SELECT c.id FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY c.card_number | customers.card_number,customers.id,orders.customer_id | ",
        "SELECT lower(card_number), id FROM customers | | ",
        "SELECT row_to_json(c) FROM customers c | | ",
        "SELECT DISTINCT email FROM customers | customers.email | ",
        "SELECT DISTINCT ON (ssn) id FROM customers | customers.ssn | ",
        "SELECT email FROM customers UNION SELECT email FROM other | customers.email,other.email | ",
        "SELECT email FROM customers UNION ALL SELECT email FROM other | | ",
        "SELECT ssn, count(*) FROM customers GROUP BY ssn HAVING count(*) > 1 | customers.ssn | ",
        "SELECT id, rank() OVER (PARTITION BY email ORDER BY ssn) FROM customers | customers.email,customers.ssn | ",
        "SELECT string_agg(full_name, ',' ORDER BY card_number) FROM customers | customers.card_number | ",
        "SELECT count(*) FILTER (WHERE ssn > '5') FROM customers | customers.ssn | ",
        "SELECT count(*) FROM customers | | ",
        "SELECT lower(e) AS x FROM (SELECT email AS e FROM customers) s ORDER BY x | customers.email | ",
        "SELECT card_number FROM customers ORDER BY 1 | customers.card_number | ",
        "SELECT * FROM customers ORDER BY 2 | customers.* | ",
        "SELECT k.c FROM (SELECT ssn AS c FROM customers) k WHERE k.c > '5' | customers.ssn | ",
        "WITH k AS (SELECT ssn FROM customers) SELECT 1 FROM k GROUP BY ssn | customers.ssn | ",
        "SELECT 1 FROM customers NATURAL JOIN orders | customers.*,orders.* | ",
        "SELECT 1 FROM customers JOIN orders USING (id) | customers.id,orders.id | ",
        "UPDATE customers SET full_name = card_number WHERE id = 1 | customers.id | customers.card_number",
        "INSERT INTO t (x) SELECT card_number FROM customers | | customers.card_number",
        "CREATE TABLE t AS SELECT ssn FROM customers | | customers.ssn",
        "SELECT ssn INTO t FROM customers | | customers.ssn",
        "UPDATE customers SET email = 'a@b.c' RETURNING ssn | | ",
      })
  void shapingAndDerived(String sql, String shaping, String derived) {
    ColumnUses uses = uses(sql);
    assertThat(names(uses.shaping())).isEqualTo(shaping == null ? "" : shaping);
    assertThat(names(uses.derived())).isEqualTo(derived == null ? "" : derived);
  }

  /** Columns whose values decide an error, a delay or a branch (side channels past the cells). */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT CASE WHEN ssn LIKE '1%' THEN 'a' ELSE 'b' END FROM customers | customers.ssn",
        "SELECT CASE ssn WHEN 'x' THEN id END FROM customers | customers.ssn",
        "SELECT CASE WHEN id = 1 THEN ssn END FROM customers | customers.id",
        "SELECT coalesce(email, 'none') FROM customers | customers.email",
        "SELECT greatest(card_number, '5'), nullif(ssn, 'x') FROM customers | customers.card_number,customers.ssn",
        "SELECT ssn IS NULL OR id > 1 FROM customers | customers.id,customers.ssn",
        "SELECT card_number::int FROM customers | customers.card_number",
        "SELECT card_number::varchar(4), ssn::text FROM customers | ",
        "SELECT length(card_number) + 1 FROM customers | customers.card_number",
        "SELECT lower(email), upper(ssn), md5(card_number), full_name || ssn FROM customers | ",
        "SELECT substr(ssn, 1, 3), substr('abc', 1, length(ssn)) FROM customers | customers.ssn",
        "SELECT email LIKE 'a%', 'x' LIKE ssn FROM customers | customers.ssn",
        "SELECT ssn ~ '^1' FROM customers | customers.ssn",
        "SELECT pg_sleep(length(ssn)) FROM customers | customers.ssn",
        "SELECT public.lower(ssn) FROM customers | customers.ssn",
        "SELECT count(ssn), max(card_number), string_agg(email, ',') FROM customers | ",
        "SELECT row_to_json(c) FROM customers c | ",
      })
  void sensitive(String sql, String sensitive) {
    assertThat(names(uses(sql).sensitive())).isEqualTo(sensitive == null ? "" : sensitive);
  }

  @Test
  void outputsAreTracedThroughEveryShapeOfQuery() {
    assertThat(outputs("SELECT id, lower(card_number), row_to_json(c), count(*) FROM customers c"))
        // c may also be a column of customers: both, until the catalog says which.
        .containsExactly("customers.id", "~customers.card_number", "~customers.*,customers.c", "~");
    // Subqueries, CTEs and set operations: the leaks a column-name check misses.
    assertThat(outputs("SELECT reverse(x) FROM (SELECT card_number x FROM customers) s"))
        .containsExactly("~customers.card_number");
    assertThat(outputs("WITH k AS (SELECT card_number x FROM customers) SELECT reverse(x) FROM k"))
        .containsExactly("~customers.card_number");
    assertThat(outputs("SELECT reverse(card_number) FROM customers UNION ALL SELECT 'a'"))
        .containsExactly("~customers.card_number");
    assertThat(outputs("SELECT card_number FROM customers UNION ALL SELECT 'a'"))
        .containsExactly("customers.card_number");
    assertThat(
            outputs(
                "SELECT card_number FROM customers UNION ALL SELECT card_number FROM billing.invoices"))
        .containsExactly("billing.invoices.card_number,customers.card_number");
    assertThat(
            outputs(
                "WITH RECURSIVE k(n, c) AS (SELECT 1, card_number FROM customers UNION ALL"
                    + " SELECT n + 1, c FROM k WHERE n < 3) SELECT lower(c) FROM k"))
        .containsExactly("~customers.card_number");
    assertThat(outputs("SELECT (SELECT max(ssn) FROM customers) AS m"))
        .containsExactly("~customers.ssn");
    assertThat(outputs("SELECT v FROM unnest(ARRAY(SELECT ssn FROM customers)) v"))
        .containsExactly("~customers.ssn");
    assertThat(outputs("SELECT j->>'ssn' FROM (SELECT row_to_json(c) j FROM customers c) s"))
        .containsExactly("~customers.*,customers.c");
    assertThat(outputs("SELECT t FROM customers t")).containsExactly("~customers.*,customers.t");
    // Stars: a base table's columns are the catalog's; known columns are expanded here.
    assertThat(outputs("SELECT * FROM customers")).containsExactly("*customers");
    assertThat(outputs("SELECT s.* FROM (SELECT id, upper(email) e FROM customers) s"))
        .containsExactly("customers.id", "~customers.email");
    assertThat(outputs("SELECT x.ssn FROM (SELECT * FROM customers) x"))
        .containsExactly("customers.ssn");
    // A name is resolved to the table that can have it; the gateway's catalog confirms which.
    assertThat(
            outputs(
                "SELECT c.card_number, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id"))
        .containsExactly("customers.card_number", "orders.amount");
    assertThat(outputs("SELECT card_number FROM customers c JOIN orders o USING (id)"))
        .containsExactly("customers.card_number,orders.card_number");
    // What cannot be resolved is unknown: every masked column of the statement's tables.
    assertThat(outputs("SELECT a.b.x FROM customers")).containsExactly("~?");
    // nope.x with no relation nope: field x of a composite column nope.
    assertThat(outputs("SELECT nope.x FROM customers")).containsExactly("~customers.nope");
  }

  @Test
  void outputsOfReturningCopyAndCursors() {
    assertThat(outputs("UPDATE customers SET email = 'a@b.c' RETURNING ssn"))
        .containsExactly("customers.ssn");
    assertThat(outputs("DELETE FROM customers c WHERE id = 1 RETURNING *"))
        .containsExactly("*customers");
    assertThat(outputs("COPY customers TO STDOUT")).containsExactly("*customers");
    assertThat(outputs("COPY customers (id, ssn) TO STDOUT"))
        .containsExactly("customers.id", "customers.ssn");
    assertThat(outputs("COPY (SELECT lower(ssn) FROM customers) TO STDOUT"))
        .containsExactly("~customers.ssn");
    assertThat(outputs("COPY customers FROM STDIN")).isEmpty();
    assertThat(outputs("DECLARE k CURSOR FOR SELECT ssn FROM customers"))
        .containsExactly("customers.ssn");
    assertThat(outputs("PREPARE p AS SELECT upper(ssn) FROM customers"))
        .containsExactly("~customers.ssn");
  }

  @Test
  void writtenValues() {
    TableRef customers = new TableRef(null, "customers");
    assertThat(uses("UPDATE customers SET card_number = '************1111' WHERE id = 1").writes())
        .containsExactly(new ColumnWrite(customers, "card_number", "************1111", 0));
    assertThat(
            uses("INSERT INTO customers (id, card_number) VALUES (1, $1), (2, 'x'::text)").writes())
        .containsExactly(
            new ColumnWrite(customers, "id", null, 0),
            new ColumnWrite(customers, "card_number", null, 1),
            new ColumnWrite(customers, "id", null, 0),
            new ColumnWrite(customers, "card_number", "x", 0));
    assertThat(
            uses("INSERT INTO customers (id, ssn) VALUES (1, '1') ON CONFLICT (id) DO UPDATE SET ssn = $2")
                .writes())
        .contains(
            new ColumnWrite(customers, "ssn", "1", 0), new ColumnWrite(customers, "ssn", null, 2));
    assertThat(uses("INSERT INTO customers VALUES (1, 'x')").writes())
        .containsExactly(
            new ColumnWrite(customers, "*", null, 0), new ColumnWrite(customers, "*", "x", 0));
    assertThat(
            uses("MERGE INTO customers c USING src s ON c.id = s.id WHEN MATCHED THEN UPDATE SET"
                    + " ssn = '***-**-1234' WHEN NOT MATCHED THEN INSERT (id, ssn) VALUES (s.id, $1)")
                .writes())
        .contains(
            new ColumnWrite(customers, "ssn", "***-**-1234", 0),
            new ColumnWrite(customers, "ssn", null, 1));
  }
}
