package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.audit.Slf4jAuditLog;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * Masking through the gateway (issue 5, first part: masks by result-column origin and the content
 * classifiers). A column the server reports as coming from a masked base column — directly, via
 * {@code *}, through subqueries and CTEs — is masked by its rule; a computed value that still holds
 * a card number, SSN or e-mail is caught by the classifiers; ordinary columns are untouched; a role
 * without masks sees the data as it is. pgJDBC simple, extended and binary transfer, and psql.
 */
class MaskingIT {
  static final String CARD = "4111111111111111";
  static final String CARD_2 = "5500 0000 0000 0004";
  static final String SSN = "123-45-6789";
  static final String EMAIL = "jane.doe@example.com";

  static final String POLICY =
      """
      {"version": 1, "grants": [{
        "id": "agent-on-test", "roles": ["agent"], "connections": ["test"],
        "allow": [
          {"id": "agent.read", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"], "objects": ["public.*"]},
          {"id": "agent.copy", "classes": ["COPY"], "verbs": ["COPY", "COPY TO STDOUT", "COPY FROM STDIN", "SELECT"], "objects": ["public.*"]},
          {"id": "agent.session", "classes": ["SESSION"], "verbs": ["SET", "SHOW"]},
          {"id": "agent.prepared", "classes": ["READ", "UTILITY", "SESSION", "TRANSACTION"],
           "verbs": ["PREPARE", "EXECUTE", "DECLARE", "FETCH", "CLOSE", "DEALLOCATE", "BEGIN", "ROLLBACK"]}
        ],
        "masks": [
          {"id": "mask.card", "columns": ["*.card_number"], "strategy": "keep-last", "keep": 4},
          {"id": "mask.ssn", "columns": ["public.*.ssn"], "strategy": "redact"},
          {"id": "mask.email", "columns": ["mask_customers.email"], "strategy": "partial-email"},
          {"id": "mask.vip", "columns": ["mask_customers.vip"], "strategy": "null", "allowFilter": true},
          {"id": "mask.secret", "columns": ["public.mask_pay.secret"], "strategy": "keep-last", "keep": 2}
        ],
        "classifiers": ["CARD_NUMBER", "SSN", "EMAIL"]
      }, {
        "id": "owner-on-test", "roles": ["owner"], "connections": ["test"],
        "allow": [{"id": "owner.read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["public.*"]},
                  {"id": "owner.session", "classes": ["SESSION"], "verbs": ["SET", "SHOW"]}]
      }]}
      """;

  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    try (Connection direct = direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.mask_customers, public.mask_notes");
      // A masked column no classifier recognises, and views over it: renamed, computed, a view of
      // a view, and a view mixing it with an unmasked column.
      s.execute("DROP TABLE IF EXISTS public.mask_pay CASCADE");
      s.execute("CREATE TABLE public.mask_pay (id int PRIMARY KEY, secret text, note text)");
      s.execute(
          "INSERT INTO public.mask_pay VALUES (1, 'alpha-seven-37', 'n1'), (2, 'bravo-nine-49',"
              + " 'n2')");
      s.execute(
          "CREATE VIEW public.mask_pay_v AS SELECT id, secret AS code, note FROM public.mask_pay");
      s.execute("CREATE VIEW public.mask_pay_vv AS SELECT code AS c2, id FROM public.mask_pay_v");
      s.execute(
          "CREATE VIEW public.mask_pay_expr AS SELECT id, upper(secret) AS up, note || '!' AS n"
              + " FROM public.mask_pay");
      s.execute(
          "CREATE TABLE public.mask_customers (id int PRIMARY KEY, full_name text, email text,"
              + " card_number text, ssn varchar(11), vip boolean)");
      s.execute(
          "INSERT INTO public.mask_customers VALUES (1, 'Jane Doe', '"
              + EMAIL
              + "', '"
              + CARD
              + "', '"
              + SSN
              + "', true), (2, 'John Roe', 'john@example.org', '"
              + CARD_2
              + "', '234-56-7890', false)");
      s.execute("CREATE TABLE public.mask_notes (id int, note text)");
      s.execute(
          "INSERT INTO public.mask_notes VALUES (1, 'paid with "
              + CARD
              + ", thanks'), (2, 'no payment data')");
    }
    Path policy = Files.createTempFile("warden-policy", ".json");
    Files.writeString(policy, POLICY);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policy + "\"}\n",
            "  roles:\n"
                + "    - {role: agent, match: {subject: agent}}\n"
                + "    - {role: owner, match: {subject: restricted}}\n",
            new Slf4jAuditLog());
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  static Connection direct() throws SQLException {
    return GatewayFixture.direct();
  }

  static Connection connect(String mode) throws SQLException {
    return fixture.connectIn(mode);
  }

  /**
   * Every value of a result, as strings, row by row (of the first statement of the string that
   * returns rows).
   */
  static List<List<String>> rows(Statement s, String sql) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    boolean isResult = s.execute(sql);
    while (!isResult && s.getUpdateCount() != -1) {
      isResult = s.getMoreResults();
    }
    if (!isResult) {
      throw new SQLException("no rows from " + sql);
    }
    try (ResultSet rs = s.getResultSet()) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  static void assertNoRawValue(Object output) {
    String text = String.valueOf(output);
    for (String raw : List.of(CARD, CARD_2, CARD_2.replace(" ", ""), SSN, "234-56-7890", EMAIL)) {
      assertThat(text).doesNotContain(raw);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "binary"})
  void maskedColumnsAreMaskedWhateverTheShapeOfTheQuery(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      assertThat(
              rows(
                  s,
                  "SELECT id, full_name, email, card_number, ssn, vip FROM public.mask_customers"
                      + " ORDER BY id"))
          .containsExactly(
              List.of("1", "Jane Doe", "j***@example.com", "************1111", "[REDACTED]", "null")
                  .stream()
                  .map(v -> v.equals("null") ? null : v)
                  .toList(),
              java.util.Arrays.asList(
                  "2", "John Roe", "j***@example.org", "**** **** **** 0004", "[REDACTED]", null));
      for (String sql :
          List.of(
              "SELECT * FROM public.mask_customers",
              "SELECT c.* FROM public.mask_customers c",
              "SELECT x.card_number AS a, x.ssn AS b FROM (SELECT * FROM public.mask_customers) x",
              "WITH k AS (SELECT card_number, email FROM public.mask_customers) SELECT * FROM k",
              "SELECT card_number FROM public.mask_customers UNION ALL SELECT note FROM public.mask_notes",
              "SELECT id FROM public.mask_customers WHERE vip ORDER BY id",
              "SELECT note, upper(note) FROM public.mask_notes")) {
        List<List<String>> result = rows(s, sql);
        assertThat(result).as(sql).isNotEmpty();
        assertNoRawValue(result);
      }
      // Ordinary columns and rows without regulated data are untouched.
      assertThat(rows(s, "SELECT id, full_name FROM public.mask_customers ORDER BY id"))
          .containsExactly(List.of("1", "Jane Doe"), List.of("2", "John Roe"));
      assertThat(rows(s, "SELECT note FROM public.mask_notes WHERE id = 2"))
          .containsExactly(List.of("no payment data"));
      assertThat(rows(s, "SELECT note FROM public.mask_notes WHERE id = 1"))
          .containsExactly(List.of("paid with ************1111, thanks"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void oraclesAndComputedValuesOfMaskedColumnsAreDenied(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      for (String oracle :
          List.of(
              "SELECT id FROM public.mask_customers WHERE ssn LIKE '1%'",
              "SELECT id FROM public.mask_customers c WHERE c.card_number = '" + CARD + "'",
              "SELECT count(*) FROM public.mask_customers a JOIN public.mask_customers b"
                  + " ON a.email = b.email",
              "SELECT ssn IS NULL, count(*) FROM public.mask_customers GROUP BY ssn",
              "SELECT id FROM public.mask_customers ORDER BY card_number",
              "SELECT DISTINCT email FROM public.mask_customers",
              "SELECT email FROM public.mask_customers UNION SELECT note FROM public.mask_notes",
              "SELECT id, row_number() OVER (ORDER BY ssn) FROM public.mask_customers",
              "UPDATE public.mask_customers SET full_name = full_name WHERE ssn = '" + SSN + "'")) {
        assertThatThrownBy(() -> s.execute(oracle))
            .as(oracle)
            .hasMessageContaining("denied by rule masked-oracle");
      }
      // A value computed from masked columns comes back masked as a whole ([REDACTED] for text,
      // NULL for any other type); the columns next to it are untouched.
      assertThat(
              rows(
                  s,
                  "SELECT id, lower(card_number), reverse(card_number), 'ssn: ' || ssn, md5(c::text),"
                      + " length(card_number) FROM public.mask_customers c WHERE id = 1"))
          .containsExactly(
              java.util.Arrays.asList(
                  "1", "[REDACTED]", "[REDACTED]", "[REDACTED]", "[REDACTED]", null));
      assertThat(
              rows(s, "SELECT string_agg(card_number, ','), count(*) FROM public.mask_customers"))
          .containsExactly(List.of("[REDACTED]", "2"));
      assertThat(rows(s, "SELECT row_to_json(c) FROM public.mask_customers c WHERE id = 1"))
          .containsExactly(java.util.Collections.singletonList(null));
      // Traced through subqueries, CTEs, set operations and stars: masked, not refused.
      assertThat(
              rows(
                  s,
                  "SELECT x, id FROM (SELECT lower(card_number) AS x, id FROM"
                      + " public.mask_customers) s WHERE id = 1"))
          .containsExactly(List.of("[REDACTED]", "1"));
      assertThat(
              rows(
                  s,
                  "WITH k AS (SELECT card_number AS c FROM public.mask_customers WHERE id = 1)"
                      + " SELECT c, reverse(c) FROM k UNION ALL SELECT 'x', 'y'"))
          // The constant row is masked by the card's rule too (keep-last shows nothing of a value
          // this short).
          .containsExactly(List.of("************1111", "[REDACTED]"), List.of("*", "[REDACTED]"));
      assertThat(
              rows(s, "SELECT *, lower(card_number) FROM public.mask_customers WHERE id = 1")
                  .getFirst())
          .contains("************1111", "[REDACTED]")
          .doesNotContain(CARD.toLowerCase());
      // Where the value would be copied or the outputs cannot be told apart, it is refused. (A
      // string of several statements reaches Warden as one only in the simple protocol; pgJDBC
      // sends each statement of it on its own in the extended protocol.)
      List<String> refused =
          new ArrayList<>(
              List.of(
                  "UPDATE public.mask_customers SET full_name = card_number WHERE id = 1",
                  "INSERT INTO public.mask_notes (id, note) SELECT id, ssn FROM public.mask_customers"));
      if (mode.equals("simple")) {
        refused.add("SELECT 1; SELECT lower(card_number) FROM public.mask_customers");
      }
      for (String derived : refused) {
        assertThatThrownBy(() -> s.execute(derived))
            .as(derived)
            .hasMessageContaining("denied by rule masked-derived");
      }
    }
    try (Connection direct = direct();
        Statement s = direct.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT full_name, note FROM public.mask_customers, public.mask_notes WHERE mask_customers.id = 1 AND mask_notes.id = 2")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("Jane Doe");
      assertThat(rs.getString(2)).isEqualTo("no payment data");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void aMaskWrittenBackIsRefusedByLiteralAndByBindParameter(String mode) throws Exception {
    try (Connection c = connect(mode)) {
      try (Statement s = c.createStatement()) {
        for (String writeBack :
            List.of(
                "UPDATE public.mask_customers SET card_number = '************1111' WHERE id = 1",
                "UPDATE public.mask_customers SET ssn = '[REDACTED]' WHERE id = 1",
                "UPDATE public.mask_customers SET email = 'j***@example.com' WHERE id = 1",
                "INSERT INTO public.mask_customers (id, card_number) VALUES (9, '****-****-****-1111')")) {
          assertThatThrownBy(() -> s.execute(writeBack))
              .as(writeBack)
              .hasMessageContaining("denied by rule masked-write-back");
        }
      }
      try (java.sql.PreparedStatement p =
          c.prepareStatement("UPDATE public.mask_customers SET card_number = ? WHERE id = ?")) {
        p.setString(1, "************1111");
        p.setInt(2, 1);
        assertThatThrownBy(p::executeUpdate).hasMessageContaining("masked-write-back");
        // A real value goes through (and is masked when read back).
        p.setString(1, CARD);
        assertThat(p.executeUpdate()).isEqualTo(1);
      }
    }
    try (Connection direct = direct();
        Statement s = direct.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT card_number, ssn, email FROM public.mask_customers WHERE id = 1")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo(CARD);
      assertThat(rs.getString(2)).isEqualTo(SSN);
      assertThat(rs.getString(3)).isEqualTo(EMAIL);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void errorTextsThatEchoValuesAreScrubbed(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      // The server quotes the value it could not convert: a card number, in the message.
      assertThatThrownBy(
              () -> s.executeQuery("SELECT note::int FROM public.mask_notes WHERE id = 1"))
          .isInstanceOf(SQLException.class)
          .satisfies(
              e -> {
                assertThat(e.getMessage()).contains("invalid input syntax for type integer");
                assertThat(e.getMessage()).contains("************1111");
                assertNoRawValue(e.getMessage());
              });
      // A cast of a masked value could fail depending on the value: refused before it runs (see
      // maskedValuesDecideNoErrorsTimesOrBranches).
      assertThatThrownBy(
              () ->
                  s.executeQuery(
                      "SELECT ('x' || reverse(ssn))::int FROM public.mask_customers WHERE id = 1"))
          .hasMessageContaining("denied by rule masked-oracle");
      // A reference Warden cannot resolve, over masked columns, is refused. (In the extended
      // protocol the server rejects it first, at Parse: it never runs either way.)
      assertThatThrownBy(() -> s.executeQuery("SELECT a.b.c FROM public.mask_customers"))
          .hasMessageContaining(
              mode.equals("simple")
                  ? "denied by rule masked-derived: an output refers to a column Warden could not"
                  : "missing FROM-clause entry");
      // Names are not values: a mistyped relation or column over masked columns stays readable.
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM public.mask_customrs"))
          .hasMessageContaining("relation \"public.mask_customrs\" does not exist");
      assertThatThrownBy(() -> s.executeQuery("SELECT card_numbr FROM public.mask_customers"))
          .hasMessageContaining("column \"card_numbr\" does not exist");
      // An integrity violation shows the failing row, masked columns included: redacted whole.
      assertThatThrownBy(() -> s.executeUpdate("UPDATE public.mask_customers SET id = NULL"))
          .satisfies(
              e -> {
                assertThat(e.getMessage())
                    .contains("null value in column \"id\"")
                    .contains("Failing row contains ([REDACTED])")
                    .doesNotContain("Jane Doe");
                assertNoRawValue(e.getMessage());
              });
      // The session goes on.
      assertThat(rows(s, "SELECT id FROM public.mask_notes WHERE id = 2"))
          .containsExactly(List.of("2"));
    }
  }

  /**
   * Side channels: a masked value may flow into a (masked) result through functions that cannot
   * fail, but never decide an error, a delay or a branch — the error or the time would reveal it
   * although the cell is masked.
   */
  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void maskedValuesDecideNoErrorsTimesOrBranches(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      for (String probe :
          List.of(
              // errors
              "SELECT CASE WHEN ssn LIKE '1%' THEN 1 / (id - id) ELSE 1 END"
                  + " FROM public.mask_customers",
              "SELECT 1 / (substr(ssn, 1, 1) = '1')::int FROM public.mask_customers",
              "SELECT card_number::bigint FROM public.mask_customers",
              "SELECT substr(card_number, 1, 1)::int FROM public.mask_customers",
              "SELECT length(card_number) + 1 FROM public.mask_customers",
              "SELECT coalesce(email, (1 / (id - id))::text) FROM public.mask_customers",
              "SELECT nullif(ssn, '123-45-6789') FROM public.mask_customers",
              "SELECT greatest(card_number, '5') FROM public.mask_customers",
              "SELECT ssn IS NULL OR 1 / (id - id) = 0 FROM public.mask_customers",
              "SELECT 'x' ~ ssn FROM public.mask_customers",
              "SELECT substr('abc', 1, length(ssn) - 12) FROM public.mask_customers",
              // time
              "SELECT pg_sleep(length(ssn) / 10.0) FROM public.mask_customers",
              "SELECT repeat('x', ascii(card_number) * 1000000) FROM public.mask_customers",
              "SELECT CASE WHEN card_number > '5' THEN (SELECT count(*) FROM generate_series(1,"
                  + " 1000000)) END FROM public.mask_customers")) {
        assertThatThrownBy(() -> s.executeQuery(probe))
            .as(probe)
            .hasMessageContaining("denied by rule masked-oracle");
      }
      // Ordinary expressions over masked columns still answer, masked.
      assertThat(
              rows(
                  s,
                  "SELECT id, upper(email), length(card_number), substr(ssn, 1, 3),"
                      + " full_name || ' <' || email || '>', card_number::text"
                      + " FROM public.mask_customers WHERE id = 1"))
          .containsExactly(
              Arrays.asList(
                  "1", "[REDACTED]", null, "[REDACTED]", "[REDACTED]", "************1111"));
      assertThat(rows(s, "SELECT count(card_number), max(ssn) FROM public.mask_customers"))
          .containsExactly(Arrays.asList(null, "[REDACTED]"));
      // Conditions over columns that are not masked are fine; over one whose rule allows
      // filtering (vip), too, and the result is masked whole.
      assertThat(
              rows(
                  s,
                  "SELECT CASE WHEN id = 1 THEN 'one' ELSE coalesce(full_name, '-') END,"
                      + " CASE WHEN vip THEN 'vip' END FROM public.mask_customers WHERE id = 1"))
          .containsExactly(List.of("one", "[REDACTED]"));
    }
  }

  @Test
  void aRoleWithoutMasksSeesTheData() throws Exception {
    Properties props = new Properties();
    props.setProperty("password", fixture.restrictedKey);
    try (Connection c = fixture.connect("test", props);
        Statement s = c.createStatement()) {
      assertThat(rows(s, "SELECT card_number FROM public.mask_customers WHERE id = 1"))
          .containsExactly(List.of(CARD));
    }
  }

  @Test
  void copyIsMaskedLikeRowsInTextCsvAndBinary() throws Exception {
    try (Connection c = connect("extended")) {
      CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
      StringWriter text = new StringWriter();
      copy.copyOut("COPY public.mask_customers TO STDOUT", text);
      assertThat(text.toString())
          .contains("1\tJane Doe\tj***@example.com\t************1111\t[REDACTED]\t\\N\n")
          .contains("**** **** **** 0004");
      assertNoRawValue(text);
      StringWriter csv = new StringWriter();
      copy.copyOut(
          "COPY (SELECT id, card_number, lower(ssn) FROM public.mask_customers ORDER BY id)"
              + " TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';')",
          csv);
      assertThat(csv.toString())
          .isEqualTo(
              "id;card_number;lower\n1;\"************1111\";\"[REDACTED]\"\n"
                  + "2;\"**** **** **** 0004\";\"[REDACTED]\"\n");
      java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();
      copy.copyOut(
          "COPY (SELECT id, full_name, card_number FROM public.mask_customers ORDER BY id)"
              + " TO STDOUT (FORMAT binary)",
          binary);
      String bytes = binary.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
      assertThat(bytes).startsWith("PGCOPY").contains("Jane Doe");
      assertNoRawValue(bytes);
      // Unmasked tables are classified, columns that are not masked copy out as they are.
      StringWriter notes = new StringWriter();
      copy.copyOut("COPY public.mask_notes TO STDOUT (FORMAT csv)", notes);
      assertThat(notes.toString()).contains("************1111").contains("no payment data");
      assertNoRawValue(notes);
      StringWriter names = new StringWriter();
      copy.copyOut(
          "COPY (SELECT id, full_name FROM public.mask_customers ORDER BY id) TO STDOUT", names);
      assertThat(names.toString()).isEqualTo("1\tJane Doe\n2\tJohn Roe\n");
      // Options that change the output beyond what Warden parses: refused when masked.
      assertThatThrownBy(
              () ->
                  copy.copyOut(
                      "COPY public.mask_customers TO STDOUT (ENCODING 'LATIN1')",
                      new StringWriter()))
          .hasMessageContaining("denied by rule masked-copy");
    }
  }

  /**
   * COPY … FROM STDIN is a write like INSERT: a mask-like value bound for a masked column fails the
   * COPY with the rule's name before anything is stored; real values copy as they should.
   */
  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended"})
  void copyFromCannotWriteAMaskBack(String mode) throws Exception {
    try (Connection c = connect(mode)) {
      CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
      assertThatThrownBy(
              () ->
                  copy.copyIn(
                      "COPY public.mask_customers (id, card_number) FROM STDIN",
                      new StringReader("10\t4111111111111111\n11\t************1111\n")))
          .hasMessageContaining("denied by rule masked-write-back")
          .hasMessageContaining("field 2");
      assertThatThrownBy(
              () ->
                  copy.copyIn(
                      "COPY public.mask_customers (id, full_name, ssn) FROM STDIN (FORMAT csv)",
                      new StringReader("12,\"Doe, Jane\",\"[REDACTED]\"\n")))
          .hasMessageContaining("denied by rule masked-write-back");
      assertThatThrownBy(
              () ->
                  copy.copyIn(
                      "COPY public.mask_customers FROM STDIN",
                      new StringReader("14\tx\ty\t\\052\\052\\0521111\t\\N\t\\N\n")))
          .as("every column in table order, an escaped mask")
          .hasMessageContaining("denied by rule masked-write-back");
      assertThat(
              copy.copyIn(
                  "COPY public.mask_customers (id, card_number) FROM STDIN",
                  new StringReader("13\t4000000000000002\n")))
          .isEqualTo(1);
    }
    Processes.Result psql =
        Processes.run(
            List.of(
                "psql",
                "-X",
                fixture.libpqConnInfo("test"),
                "-c",
                "\\copy public.mask_customers (id, card_number) from stdin"),
            Map.of("PGPASSWORD", fixture.agentKey),
            null,
            Duration.ofSeconds(30),
            "15\t************0004\n");
    assertThat(psql.exitCode()).isNotZero();
    assertThat(psql.stderr()).contains("denied by rule masked-write-back");
    try (Connection direct = direct();
        Statement s = direct.createStatement()) {
      assertThat(rows(s, "SELECT id, card_number FROM public.mask_customers WHERE id >= 10"))
          .containsExactly(List.of("13", "4000000000000002"));
      s.execute("DELETE FROM public.mask_customers WHERE id >= 10");
    }
  }

  @Test
  void psqlSeesMaskedValues() throws Exception {
    Processes.Result result =
        Processes.run(
            List.of(
                "psql",
                "-X",
                "-At",
                fixture.libpqConnInfo("test"),
                "-c",
                "SELECT * FROM public.mask_customers ORDER BY id",
                "-c",
                "SELECT note FROM public.mask_notes ORDER BY id"),
            Map.of("PGPASSWORD", fixture.agentKey),
            Duration.ofSeconds(30));
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout())
        .contains("1|Jane Doe|j***@example.com|************1111|[REDACTED]|")
        .contains("paid with ************1111, thanks");
    assertNoRawValue(result.stdout());
  }

  @Test
  void preparedStatementsAndCursorsAreTracedOrRefused() throws Exception {
    try (Connection c = connect("simple");
        Statement s = c.createStatement()) {
      s.execute(
          "PREPARE masked_p AS SELECT reverse(card_number), card_number, full_name"
              + " FROM public.mask_customers WHERE id = 1");
      assertThat(rows(s, "EXECUTE masked_p"))
          .containsExactly(List.of("[REDACTED]", "************1111", "Jane Doe"));
      // PREPARE and EXECUTE in one string: the EXECUTE is the statement prepared before it.
      assertThat(
              rows(
                  s,
                  "PREPARE masked_q AS SELECT reverse(ssn), id FROM public.mask_customers"
                      + " WHERE id = 1; EXECUTE masked_q"))
          .containsExactly(List.of("[REDACTED]", "1"));
      // A name deallocated earlier in the string is no longer what it was.
      assertThatThrownBy(() -> s.execute("DEALLOCATE masked_p; EXECUTE masked_p"))
          .hasMessageContaining("denied by rule");
      // A cursor's rows are masked by its query's lineage, FETCH by FETCH.
      s.execute("BEGIN");
      s.execute(
          "DECLARE masked_k CURSOR FOR SELECT reverse(card_number), card_number, id FROM"
              + " public.mask_customers ORDER BY id");
      assertThat(rows(s, "FETCH 1 FROM masked_k"))
          .containsExactly(List.of("[REDACTED]", "************1111", "1"));
      assertThat(rows(s, "MOVE 0 IN masked_k; FETCH 1 FROM masked_k"))
          .containsExactly(List.of("[REDACTED]", "**** **** **** 0004", "2"));
      s.execute("CLOSE masked_k");
      s.execute("ROLLBACK");
      s.execute("BEGIN");
      s.execute(
          "DECLARE plain_k CURSOR FOR SELECT id, full_name FROM public.mask_customers ORDER BY id");
      assertThat(rows(s, "FETCH 1 FROM plain_k")).containsExactly(List.of("1", "Jane Doe"));
      s.execute("ROLLBACK");
      // A cursor Warden has not seen declared cannot be traced.
      assertThatThrownBy(() -> s.execute("FETCH 1 FROM nobody_declared_this"))
          .hasMessageContaining("denied by rule");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "binary"})
  void aViewOverAMaskedColumnIsMaskedByWhatItReads(String mode) throws Exception {
    try (Connection c = connect(mode);
        Statement s = c.createStatement()) {
      // Renamed by a view: the base column's mask (keep the last 2).
      assertThat(rows(s, "SELECT id, code, note FROM public.mask_pay_v ORDER BY id"))
          .containsExactly(
              List.of("1", "*****-*****-37", "n1"), List.of("2", "*****-****-49", "n2"));
      // A view of that view, and its star.
      assertThat(rows(s, "SELECT * FROM public.mask_pay_vv ORDER BY id"))
          .containsExactly(List.of("*****-*****-37", "1"), List.of("*****-****-49", "2"));
      // A value the view computes from it: masked whole; the unmasked one next to it is not.
      assertThat(rows(s, "SELECT up, n FROM public.mask_pay_expr ORDER BY id"))
          .containsExactly(List.of("[REDACTED]", "n1!"), List.of("[REDACTED]", "n2!"));
      // Computed from the view's column by the query itself: masked whole too.
      assertThat(rows(s, "SELECT reverse(code) FROM public.mask_pay_v WHERE id = 1"))
          .containsExactly(List.of("[REDACTED]"));
      // Filtering on it through the view is the same oracle as on the table.
      for (String oracle :
          List.of(
              "SELECT id FROM public.mask_pay_v WHERE code LIKE 'alpha%'",
              "SELECT id FROM public.mask_pay_vv ORDER BY c2",
              "SELECT id FROM public.mask_pay_expr WHERE up = 'ALPHA-SEVEN-37'")) {
        assertThatThrownBy(() -> s.execute(oracle))
            .as(oracle)
            .hasMessageContaining("denied by rule masked-oracle");
      }
      for (List<String> row : rows(s, "SELECT * FROM public.mask_pay_v")) {
        assertThat(String.join(",", row)).doesNotContain("alpha-seven").doesNotContain("bravo");
      }
    }
  }

  @Test
  void aViewCreatedSinceTheCatalogWasReadIsMaskedWholeUntilTheCatalogIsReadAgain()
      throws Exception {
    try (Connection c = connect("extended");
        Statement s = c.createStatement()) {
      rows(s, "SELECT 1"); // the session is up: the catalog has been read
      try (Connection direct = direct();
          Statement d = direct.createStatement()) {
        d.execute("DROP VIEW IF EXISTS public.mask_pay_late");
        d.execute(
            "CREATE VIEW public.mask_pay_late AS SELECT id, secret AS k FROM public.mask_pay");
      }
      String sql = "SELECT k FROM public.mask_pay_late WHERE id = 1";
      try (ResultSet rs = s.executeQuery(sql)) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("[REDACTED]");
      }
      assertThat(String.valueOf(s.getWarnings())).contains("masked whole this time");
      // The catalog is read again: the view is traced like any other.
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      String value = "[REDACTED]";
      while (value.equals("[REDACTED]") && System.nanoTime() < deadline) {
        Thread.sleep(100);
        try (ResultSet rs = s.executeQuery(sql)) {
          rs.next();
          value = rs.getString(1);
        }
      }
      assertThat(value).isEqualTo("*****-*****-37");
    }
  }
}
