package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.Slf4jAuditLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MySQL door in front of the machine's MariaDB, driven by the stock {@code mysql} client over
 * TLS with a service key as its password: the policy decides each statement (a versioned comment's
 * hidden DROP included), masked columns come back masked and everything else exactly as directly,
 * and a plain-text login is refused.
 */
class MysqlDoorIT {
  private static final String SCHEMA = "warden_it_mysql";
  private static final String POLICY =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["%s"],
        "allow": [{"id": "read", "classes": ["READ"], "verbs": ["SELECT", "SHOW"], "objects": ["%s.*"]},
                  {"id": "session", "classes": ["SESSION", "TRANSACTION"]}],
        "deny": [{"id": "no-ddl", "classes": ["DDL"]}],
        "masks": [{"id": "cards", "columns": ["%s.customers.card"], "strategy": "keep-last", "keep": 4}]}]}
      """
          .formatted(SCHEMA, SCHEMA, SCHEMA);

  private static MysqlFixture fixture;
  private static String key;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    mysqlDirect(
        "CREATE DATABASE IF NOT EXISTS "
            + SCHEMA
            + ";"
            + " DROP TABLE IF EXISTS "
            + SCHEMA
            + ".customers;"
            + " CREATE TABLE "
            + SCHEMA
            + ".customers (id INT PRIMARY KEY, name VARCHAR(50),"
            + " card VARCHAR(30));"
            + " INSERT INTO "
            + SCHEMA
            + ".customers VALUES (1, 'Ada', '4111111111111111'),"
            + " (2, 'Bob', '5500000000000004'), (3, NULL, NULL);");
    Path policy = Files.createTempFile("warden-mysql-door", ".json");
    Files.writeString(policy, POLICY);
    fixture = MysqlFixture.start(SCHEMA, SCHEMA, policy, new Slf4jAuditLog(), "");
    key = fixture.agentKey;
    port = fixture.port;
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void readsComeBackAsDirectlyWithTheMaskedColumnMasked() throws Exception {
    String sql = "SELECT id, name, card FROM customers ORDER BY id";
    Result through = mysqlThroughWarden(sql, true);
    Result direct = mysqlDirect("USE " + SCHEMA + "; " + sql);
    assertThat(through.exit()).as(through.err()).isZero();
    assertThat(through.lines())
        .containsExactly("1\tAda\t************1111", "2\tBob\t************0004", "3\tNULL\tNULL");
    // Everything but the masked column is exactly as the database returns it.
    for (int i = 0; i < direct.lines().size(); i++) {
      String[] d = direct.lines().get(i).split("\t");
      String[] t = through.lines().get(i).split("\t");
      assertThat(t[0]).isEqualTo(d[0]);
      assertThat(t[1]).isEqualTo(d[1]);
      assertThat(t[2]).isNotEqualTo(d[2].equals("NULL") ? "x" : d[2]);
    }
  }

  @Test
  void aDdlStatementIsRefusedNamingTheRuleAndNeverReachesTheDatabase() throws Exception {
    Result refused = mysqlThroughWarden("DROP TABLE customers", true);
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err()).contains("ERROR 1142").contains("no-ddl");
    // Hidden in a versioned comment, which the server would run: refused just the same.
    Result hidden = mysqlThroughWarden("SELECT 1; /*!50000 DROP TABLE customers */", true);
    assertThat(hidden.err()).contains("no-ddl");
    assertThat(mysqlDirect("SELECT count(*) FROM " + SCHEMA + ".customers").lines())
        .containsExactly("3");
  }

  @Test
  void aPlainTextLoginIsRefused() throws Exception {
    Result plain = mysqlThroughWarden("SELECT 1", false);
    assertThat(plain.exit()).isNotZero();
    assertThat(plain.err()).contains("requires TLS");
  }

  @Test
  void aWrongKeyIsRefusedWithoutEchoingIt() throws Exception {
    List<String> command = new ArrayList<>(List.of("mysql", "-h", "127.0.0.1", "-P", "" + port));
    command.addAll(
        List.of(
            "-u",
            "agent",
            "--ssl",
            "--password=wdn_not-a-real-key",
            SCHEMA,
            "-N",
            "-B",
            "-e",
            "SELECT 1"));
    Result wrong = run(command);
    assertThat(wrong.exit()).isNotZero();
    assertThat(wrong.err()).contains("ERROR 1045").doesNotContain("not-a-real-key");
  }

  @Test
  void loginsOneAfterAnotherWithConnectorJAllSucceed() throws Exception {
    // MariaDB Connector/J sends its TLS handshake right behind its SslRequest, and pipelines its
    // setup statements after login: every login must survive both (a race here once lost one in
    // six).
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", key);
    props.setProperty("sslMode", "trust");
    for (int i = 0; i < 20; i++) {
      try (java.sql.Connection c =
              java.sql.DriverManager.getConnection(
                  "jdbc:mariadb://127.0.0.1:" + port + "/" + SCHEMA, props);
          java.sql.ResultSet rs =
              c.createStatement().executeQuery("SELECT card FROM customers WHERE id = 1")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).as("login %d", i + 1).isEqualTo("************1111");
      }
    }
  }

  record Result(int exit, List<String> lines, String err) {}

  private static Result mysqlThroughWarden(String sql, boolean tls) throws Exception {
    List<String> command =
        new ArrayList<>(List.of("mysql", "-h", "127.0.0.1", "-P", "" + port, "-u", "agent"));
    command.add(tls ? "--ssl" : "--skip-ssl");
    command.addAll(List.of("--password=" + key, SCHEMA, "-N", "-B", "-e", sql));
    return run(command);
  }

  private static Result mysqlDirect(String sql) throws Exception {
    return run(
        List.of("mysql", "-h", "127.0.0.1", "-P", "3306", "-u", "root", "-N", "-B", "-e", sql));
  }

  private static Result run(List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("mysql", ".out");
    Path err = Files.createTempFile("mysql", ".err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("mysql did not finish: " + command.getLast());
    }
    return new Result(
        p.exitValue(),
        Files.readAllLines(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
