package dev.warden.it.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.demo.Demo;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * The masking corpus (src/test/resources/masking-corpus.sql, over 100 queries) run against the demo
 * as its agent, through Warden, with pgJDBC (simple, extended, binary results) and psql: no card
 * number or SSN of the demo data — as stored, without separators, or reversed — appears in any row,
 * error or warning; the ordinary queries answer exactly what the database holds.
 */
class MaskingCorpusIT {
  static Path dir;
  static Demo demo;
  static Map<String, String> env;
  static Thread denier;
  static final List<String> ATTACKS = new ArrayList<>();
  static final List<String> ORDINARY = new ArrayList<>();
  static final Set<String> FORBIDDEN = new HashSet<>();
  static final Pattern NUMBER_RUN = Pattern.compile("[0-9](?:[0-9 -]*[0-9])?");

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("warden-masking-corpus");
    demo = Demo.start(new Demo.Options(dir.resolve("data"), dir.resolve("warden-demo.env"), 0, 0));
    env = DemoIT.readEnvFile(dir.resolve("warden-demo.env"));
    // Some attacks are schema changes the sample policy holds for the dba: the dba says no to
    // every one of them, as soon as it is asked (nothing held runs).
    denier =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    for (String line : api("approvals", "list")[1].lines().toList()) {
                      if (line.startsWith("apr_")) {
                        api("approvals", "deny", line.split("\\s+")[0], "-m", "not in the corpus");
                      }
                    }
                    try {
                      Thread.sleep(100);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    boolean ordinary = false;
    try (InputStream in = MaskingCorpusIT.class.getResourceAsStream("/masking-corpus.sql")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("# Ordinary")) {
          ordinary = true;
        }
        if (!line.isBlank() && !line.startsWith("#")) {
          (ordinary ? ORDINARY : ATTACKS).add(line.strip());
        }
      }
    }
    try (Connection owner = direct();
        Statement s = owner.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT card_number, ssn FROM customers"
                    + " UNION ALL SELECT card_number, NULL FROM billing.invoices")) {
      while (rs.next()) {
        for (int i = 1; i <= 2; i++) {
          String value = rs.getString(i);
          if (value != null) {
            String digits = value.replaceAll("[^0-9]", "");
            FORBIDDEN.add(digits);
            FORBIDDEN.add(new StringBuilder(digits).reverse().toString());
          }
        }
      }
    }
    assertThat(FORBIDDEN).hasSizeGreaterThan(3000);
  }

  @AfterAll
  static void stop() {
    denier.interrupt();
    demo.close();
  }

  @Test
  void theCorpusIsAsLargeAsPromised() {
    assertThat(ATTACKS.size() + ORDINARY.size()).isGreaterThanOrEqualTo(100);
  }

  /**
   * Fails when the text holds a demo card number or SSN: every run of digits (with spaces or dashes
   * between them) is compared without its separators, whole and — for card numbers inside longer
   * runs — by every window of 13 to 19 digits.
   */
  static void assertNoRawValue(String where, String text) {
    Matcher m = NUMBER_RUN.matcher(text);
    while (m.find()) {
      String digits = m.group().replaceAll("[ -]", "");
      assertThat(FORBIDDEN.contains(digits))
          .as(
              "%s leaked %s",
              where,
              digits.length() > 4
                  ? "a value ending " + digits.substring(digits.length() - 4)
                  : digits)
          .isFalse();
      for (int length = 13; length <= 19 && length < digits.length(); length++) {
        for (int start = 0; start + length <= digits.length(); start++) {
          assertThat(FORBIDDEN.contains(digits.substring(start, start + length)))
              .as("%s leaked a card number inside a longer number", where)
              .isFalse();
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "binary"})
  void noQueryOfTheCorpusGetsARawValueOutThroughPgJdbc(String mode) throws Exception {
    int answered = 0;
    try (Connection c = connect(mode)) {
      for (String sql : ATTACKS) {
        String output = run(c, sql);
        assertNoRawValue(mode + ": " + sql, output);
        if (!output.startsWith("ERROR")) {
          answered++;
        }
        if (!c.getAutoCommit() || c.isClosed()) {
          throw new AssertionError("the session broke after " + sql);
        }
        // A string of several statements that pgJDBC splits (extended protocol) may leave a
        // transaction open, or failed: end it, so the next query runs on its own.
        if (c.unwrap(BaseConnection.class).getTransactionState()
            != org.postgresql.core.TransactionState.IDLE) {
          try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
          }
        }
      }
    }
    // Masked answers, not only refusals.
    System.out.printf(
        "masking corpus, %s: %d of %d answered (masked), the rest refused%n",
        mode, answered, ATTACKS.size());
    assertThat(answered).isGreaterThan(20);
  }

  @Test
  void ordinaryQueriesAnswerWhatTheDatabaseHolds() throws Exception {
    try (Connection c = connect("extended");
        Connection owner = direct()) {
      // The detector itself: straight from the database, the values are there and it says so.
      for (String raw :
          List.of(
              "SELECT card_number FROM customers WHERE id = 7",
              "SELECT replace(card_number, ' ', '') FROM customers WHERE id = 7",
              "SELECT reverse(ssn) FROM customers WHERE id = 7",
              "SELECT 'x' || card_number || '99' FROM customers WHERE id = 7")) {
        String output = run(owner, raw);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertNoRawValue(raw, output))
            .isInstanceOf(AssertionError.class);
      }
      for (String sql : ORDINARY) {
        assertThat(run(c, sql)).as(sql).isEqualTo(run(owner, sql)).doesNotStartWith("ERROR");
      }
    }
  }

  @Test
  void noQueryOfTheCorpusGetsARawValueOutThroughPsql() throws Exception {
    Path script = dir.resolve("corpus.sql");
    Files.writeString(script, String.join(";\n", ATTACKS) + ";\n");
    List<String> command =
        List.of(
            "psql",
            "-X",
            "host=127.0.0.1 port="
                + env.get("WARDEN_DEMO_PGPORT")
                + " dbname=shop user=agent sslmode=require",
            "-f",
            script.toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("PGPASSWORD", env.get("WARDEN_DEMO_AGENT_TOKEN"));
    builder.environment().remove("PGSSLROOTCERT");
    Process process = builder.start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("************").contains("[REDACTED]").contains("denied by rule");
    assertNoRawValue("psql", out);
  }

  /** Everything a client gets for one statement: rows, update counts, warnings, or the error. */
  static String run(Connection c, String sql) throws SQLException {
    StringBuilder out = new StringBuilder();
    try {
      if (sql.startsWith("COPY")) {
        StringWriter copy = new StringWriter();
        new CopyManager(c.unwrap(BaseConnection.class)).copyOut(sql, copy);
        return copy.toString();
      }
      try (Statement s = c.createStatement()) {
        boolean result = s.execute(sql);
        while (true) {
          if (result) {
            try (ResultSet rs = s.getResultSet()) {
              int columns = rs.getMetaData().getColumnCount();
              while (rs.next()) {
                for (int i = 1; i <= columns; i++) {
                  out.append(rs.getString(i)).append('|');
                }
                out.append('\n');
              }
            }
          } else if (s.getUpdateCount() == -1) {
            break;
          }
          result = s.getMoreResults();
        }
        for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
          out.append("WARNING ").append(w.getMessage()).append('\n');
        }
      }
    } catch (SQLException e) {
      if (!c.getAutoCommit()) {
        c.rollback();
      }
      return "ERROR " + e.getMessage();
    } catch (java.io.IOException e) {
      return "ERROR " + e.getMessage();
    }
    return out.toString();
  }

  /** Runs the {@code warden} command in this JVM; returns its exit code, output and errors. */
  static String[] warden(String... args) {
    return dev.warden.it.Cli.run(args);
  }

  static String[] api(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--admin-url",
            env.get("WARDEN_DEMO_ADMIN_URL"),
            "--token",
            env.get("WARDEN_DEMO_DBA_TOKEN")));
    return warden(all.toArray(String[]::new));
  }

  @Test
  void theAuditTrailHoldsNoRawValueAndVerifies() throws Exception {
    // The corpus once more, plus the demo's own card numbers and SSNs in statement text and in
    // bind parameters: what the store keeps passed the masks and the classifiers.
    List<String> raw = new ArrayList<>();
    try (Connection owner = direct();
        Statement s = owner.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT card_number, ssn FROM customers ORDER BY id LIMIT 5")) {
      while (rs.next()) {
        raw.add(rs.getString(1));
        raw.add(rs.getString(2));
      }
    }
    try (Connection c = connect("extended")) {
      for (String sql : ATTACKS) {
        run(c, sql);
        if (c.unwrap(BaseConnection.class).getTransactionState()
            != org.postgresql.core.TransactionState.IDLE) {
          try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
          }
        }
      }
      for (String value : raw) {
        try (java.sql.PreparedStatement ps =
            c.prepareStatement("SELECT id FROM customers WHERE card_number = ? OR ssn = ?")) {
          ps.setString(1, value);
          ps.setString(2, value);
          ps.executeQuery().close();
        } catch (SQLException expected) {
          // an oracle: denied, and recorded
        }
        try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT length(?::text)")) {
          ps.setString(1, value);
          ps.executeQuery().close();
        }
        try (Statement s = c.createStatement()) {
          s.execute("SELECT 'value " + value + "' AS note");
        }
      }
    }
    Path export = dir.resolve("audit.jsonl");
    String[] exported = api("audit", "export", "--since", "1d", "-o", export.toString());
    assertThat(exported[0]).as(exported[2]).isEqualTo("0");
    String trail = Files.readString(export);
    assertThat(trail.lines().count()).isGreaterThan(500);
    assertThat(trail).contains("\"kind\":\"statement\"").contains("************");
    assertNoRawValue("the exported audit trail", trail);
    String[] verified =
        warden("audit", "verify", "--data-dir", dir.resolve("data/gateway").toString());
    assertThat(verified[0]).as(verified[1] + verified[2]).isEqualTo("0");
    assertThat(verified[1]).contains("audit trail intact");
  }

  @Test
  void aDemoSessionReplaysWithItsStatementsAndMaskedResults() throws Exception {
    List<String> command =
        List.of(
            "psql",
            "-X",
            "host=127.0.0.1 port="
                + env.get("WARDEN_DEMO_PGPORT")
                + " dbname=shop user=agent sslmode=require application_name=replay-it",
            "-c",
            "SELECT id, full_name, card_number, ssn FROM customers ORDER BY id LIMIT 3",
            "-c",
            "SELECT id FROM customers WHERE ssn LIKE '9%'");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", env.get("WARDEN_DEMO_AGENT_TOKEN"));
    Process process = pb.start();
    String psql = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    // psql -c twice opens one session; find it by its application name. The store shows a
    // session's records a few milliseconds after they are durable (its last ones are written
    // after the fact), so it is looked for until it is there.
    String id = null;
    for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        id == null && System.nanoTime() < until; ) {
      String[] list = api("sessions", "list", "--identity", "agent", "--limit", "200");
      assertThat(list[0]).as(list[2]).isEqualTo("0");
      id =
          list[1]
              .lines()
              .filter(l -> l.contains("replay-it") || l.contains("/127.0.0.1"))
              .map(l -> l.split("\\s+")[0])
              .filter(candidate -> api("sessions", "show", candidate)[1].contains("(replay-it)"))
              .findFirst()
              .orElse(null);
      if (id == null) {
        Thread.sleep(50);
      }
    }
    assertThat(id).as("the replay-it session in the store").isNotNull();
    String[] replay = api("sessions", "replay", id, "--speed", "0");
    for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        !replay[1].contains("masked-oracle") && System.nanoTime() < until; ) {
      Thread.sleep(50); // the refusal, the session's last record, may follow by milliseconds
      replay = api("sessions", "replay", id, "--speed", "0");
    }
    assertThat(replay[0]).as(replay[2]).isEqualTo("0");
    assertThat(replay[1])
        .contains(
            "shop=> SELECT id, full_name, card_number, ssn FROM customers ORDER BY id LIMIT 3;")
        .contains("************")
        .contains("[REDACTED]")
        .contains("(3 rows)")
        .contains("shop=> SELECT id FROM customers WHERE ssn LIKE '9%';")
        .contains("ERROR:  warden: denied by rule masked-oracle");
    // The same masked rows the client saw.
    for (String line : psql.lines().filter(l -> l.contains("************")).toList()) {
      assertThat(replay[1]).contains(line.split("\\|")[2].strip());
    }
    assertNoRawValue("replay", replay[1]);
    String[] show = api("sessions", "show", id);
    assertThat(show[1]).contains("allow (agent.read-write)").contains("deny (masked-oracle)");
  }

  static Connection connect(String mode) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", env.get("WARDEN_DEMO_AGENT_TOKEN"));
    props.setProperty("sslmode", "require");
    if (mode.equals("binary")) {
      props.setProperty("preferQueryMode", "extended");
      props.setProperty("prepareThreshold", "-1");
      props.setProperty("binaryTransfer", "true");
    } else {
      props.setProperty("preferQueryMode", mode);
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + env.get("WARDEN_DEMO_PGPORT") + "/shop", props);
  }

  static Connection direct() throws Exception {
    URI url = URI.create(env.get("WARDEN_DEMO_DIRECT_URL").replace("postgresql://", "http://"));
    String[] credentials = url.getUserInfo().split(":", 2);
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + url.getPort() + url.getPath(),
        credentials[0],
        credentials[1]);
  }
}
