package dev.warden.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.Slf4jAuditLog;
import dev.warden.core.policy.PolicyParser;
import dev.warden.demo.ShopData;
import dev.warden.it.MysqlFixture;
import dev.warden.it.Processes;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The MySQL door's stock clients, used as their users use them, get through Warden what they get
 * from MariaDB directly — with the demo's own sample policy and masks on (the shop loaded into
 * MariaDB as databases public, billing and internal, so the same policy names the same objects) —
 * except the masked cells, which hold the masks. Each workload runs once directly (as the owner)
 * and once through Warden (as the agent), and the transcripts are compared cell by cell.
 */
class MysqlConformanceIT {
  static MysqlFixture warden;
  static final Expected AGENT = new Expected("agent");

  @BeforeAll
  static void start() throws Exception {
    try (Connection owner = MysqlFixture.direct("mariadb", "", new Properties())) {
      ShopData.loadMysql(owner);
      try (Statement s = owner.createStatement()) {
        s.execute(
            "CREATE TABLE `public`.conformance_notes (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                + " body TEXT, card_number TEXT)");
      }
    }
    Path policy = Files.createTempFile("warden-sample-policy", ".json");
    try (var in =
        PolicyParser.class.getResourceAsStream("/dev/warden/core/policy/sample-policy.json")) {
      Files.write(policy, in.readAllBytes());
    }
    warden = MysqlFixture.start("shop_mysql", "public", policy, new Slf4jAuditLog(), "");
  }

  @AfterAll
  static void stop() {
    if (warden != null) {
      warden.close();
    }
  }

  static void resetNotes() throws Exception {
    try (Connection owner = MysqlFixture.direct("mariadb", "public", new Properties());
        Statement s = owner.createStatement()) {
      s.execute("TRUNCATE TABLE conformance_notes");
    }
  }

  /**
   * MariaDB Connector/J and MySQL Connector/J, with their defaults (statements prepared in the
   * client), with server-side prepared statements (the binary protocol), cached, and with
   * server-side cursors (rows fetched two at a time).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "mariadb",
        "mariadb useServerPrepStmts=true&cachePrepStmts=true",
        "mysql",
        "mysql useServerPrepStmts=true&cachePrepStmts=true",
        "mysql useCursorFetch=true&defaultFetchSize=2"
      })
  void jdbc(String setup) throws Exception {
    String driver = setup.split(" ", 2)[0];
    Properties props = new Properties();
    if (setup.contains(" ")) {
      for (String setting : setup.split(" ", 2)[1].split("&")) {
        String[] kv = setting.split("=", 2);
        props.setProperty(kv[0], kv[1]);
      }
    }
    resetNotes();
    Transcript direct;
    try (Connection c = MysqlFixture.direct(driver, "public", props)) {
      direct = MysqlJdbcWorkload.run(c);
    }
    resetNotes();
    Transcript through;
    try (Connection c = warden.connect(driver, warden.agentKey, props)) {
      through = MysqlJdbcWorkload.run(c);
    }
    AGENT.assertMatches(setup, direct, through);
    assertThat(direct.results()).hasSizeGreaterThan(20);
  }

  /** The mysql command-line client in batch mode: each result as it prints it. */
  @Test
  void mysqlClient() throws Exception {
    List<String> queries =
        List.of(
            "SELECT id, full_name, email, card_number, ssn FROM customers ORDER BY id LIMIT 20",
            "SELECT status, count(*) AS n, sum(amount) AS total FROM orders GROUP BY status"
                + " ORDER BY status",
            "SELECT id, total, card_number FROM billing.invoices WHERE id <= 10 ORDER BY id");
    for (String query : queries) {
      Transcript direct =
          mysqlBatch(
              List.of(
                  "-h", MysqlFixture.HOST, "-P", "" + MysqlFixture.PORT, "-u", "root", "public"),
              query);
      Transcript through =
          mysqlBatch(
              List.of(
                  "-h",
                  "127.0.0.1",
                  "-P",
                  "" + warden.port,
                  "-u",
                  "agent",
                  "--ssl",
                  "--password=" + warden.agentKey,
                  "shop_mysql"),
              query);
      AGENT.assertMatches("mysql " + query, direct, through);
    }
  }

  private static Transcript mysqlBatch(List<String> connect, String query) throws Exception {
    List<String> command = new ArrayList<>(List.of("mysql"));
    command.addAll(connect);
    command.addAll(List.of("-B", "-e", query));
    Processes.Result r = Processes.run(command, Map.of(), Duration.ofMinutes(1));
    assertThat(r.exitCode()).as("%s: %s", query, r).isZero();
    List<String> lines = r.stdout().lines().toList();
    List<String> columns = List.of(lines.getFirst().split("\t", -1));
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      List<String> cells = new ArrayList<>();
      for (String cell : line.split("\t", -1)) {
        cells.add(cell.equals("NULL") ? null : cell);
      }
      rows.add(cells);
    }
    return new Transcript(List.of(Transcript.Result.of("select", columns, rows)));
  }

  /** PyMySQL, as Python applications use it. */
  @Test
  void pymysql() throws Exception {
    resetNotes();
    Transcript direct =
        ClientConformanceIT.transcript(
            List.of(ClientConformanceIT.python(), "src/test/python/mysql_conformance.py"),
            Map.of(
                "WARDEN_MYSQL",
                "%s %d root - public".formatted(MysqlFixture.HOST, MysqlFixture.PORT)),
            new File("."));
    resetNotes();
    Transcript through =
        ClientConformanceIT.transcript(
            List.of(ClientConformanceIT.python(), "src/test/python/mysql_conformance.py"),
            Map.of(
                "WARDEN_MYSQL",
                "127.0.0.1 %d agent %s shop_mysql tls".formatted(warden.port, warden.agentKey)),
            new File("."));
    AGENT.assertMatches("PyMySQL", direct, through);
    assertThat(direct.results()).hasSizeGreaterThan(10);
  }

  /** node mysql2: query() (text protocol) and execute() (server-side prepared, binary rows). */
  @Test
  void mysql2() throws Exception {
    resetNotes();
    Transcript direct =
        ClientConformanceIT.transcript(
            List.of("node", "mysql_conformance.js"),
            Map.of(
                "WARDEN_MYSQL",
                "%s %d root - public".formatted(MysqlFixture.HOST, MysqlFixture.PORT)),
            new File("src/test/node"));
    resetNotes();
    Transcript through =
        ClientConformanceIT.transcript(
            List.of("node", "mysql_conformance.js"),
            Map.of(
                "WARDEN_MYSQL",
                "127.0.0.1 %d agent %s shop_mysql tls".formatted(warden.port, warden.agentKey)),
            new File("src/test/node"));
    AGENT.assertMatches("mysql2", direct, through);
    assertThat(direct.results()).hasSizeGreaterThan(10);
  }
}
