package dev.warden.it.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.demo.Demo;
import dev.warden.demo.ShopData;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo as a new user meets it: started in-process on free ports, then used with psql and pgJDBC
 * exactly as the env file and the guide say.
 */
public class DemoIT {
  static Path dir;
  static Demo demo;
  static Map<String, String> env;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("warden-demo-it");
    demo = Demo.start(new Demo.Options(dir.resolve("data"), dir.resolve("warden-demo.env"), 0, 0));
    env = readEnvFile(dir.resolve("warden-demo.env"));
  }

  @AfterAll
  static void stop() {
    demo.close();
  }

  public static Map<String, String> readEnvFile(Path file) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      int eq = line.indexOf('=');
      values.put(line.substring(0, eq), line.substring(eq + 2, line.length() - 1));
    }
    return values;
  }

  @Test
  void envFileHoldsEverythingToConnect() {
    assertThat(env)
        .containsKeys(
            "WARDEN_DEMO_PGHOST",
            "WARDEN_DEMO_PGPORT",
            "WARDEN_DEMO_DATABASE",
            "WARDEN_DEMO_AGENT_TOKEN",
            "WARDEN_DEMO_DBA_TOKEN",
            "WARDEN_DEMO_ADMIN_URL",
            "WARDEN_DEMO_DIRECT_URL",
            "WARDEN_DEMO_CA_CERT");
    assertThat(env.get("WARDEN_DEMO_DATABASE")).isEqualTo("shop");
    assertThat(env.get("WARDEN_DEMO_AGENT_TOKEN"))
        .startsWith("eyJ")
        .isNotEqualTo(env.get("WARDEN_DEMO_DBA_TOKEN"));
    assertThat(env.get("WARDEN_DEMO_ISSUER"))
        .startsWith("http://localhost:")
        .endsWith("/warden-demo");
    assertThat(env.get("WARDEN_DEMO_PGPORT"))
        .isEqualTo(Integer.toString(demo.gateway().postgresPort()));
  }

  @Test
  void sampleDataIsAsDesigned() throws Exception {
    try (Connection owner = direct();
        Statement direct = owner.createStatement()) {
      assertThat(count(direct, "internal.api_keys")).isEqualTo(10);
      try (ResultSet rs = direct.executeQuery("SELECT card_number, ssn FROM customers")) {
        while (rs.next()) {
          assertThat(ShopData.isLuhnValid(rs.getString(1))).as(rs.getString(1)).isTrue();
          assertThat(rs.getString(2)).matches("\\d{3}-\\d{2}-\\d{4}");
        }
      }
    }
    try (Connection c = connect("WARDEN_DEMO_AGENT_TOKEN");
        Statement s = c.createStatement()) {
      assertThat(count(s, "public.customers")).isEqualTo(1000);
      assertThat(count(s, "public.orders")).isEqualTo(10_000);
      assertThat(count(s, "billing.invoices")).isEqualTo(2000);
      // The sample policy masks them for the agent (its maxRowsReturned cuts at 1000 rows).
      try (ResultSet rs = s.executeQuery("SELECT card_number, ssn, email FROM customers")) {
        while (rs.next()) {
          assertThat(rs.getString(1)).matches("\\*{12}\\d{4}");
          assertThat(rs.getString(2)).isEqualTo("[REDACTED]");
          assertThat(rs.getString(3)).matches(".\\*\\*\\*@.+");
        }
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(*) FROM orders o LEFT JOIN customers c ON c.id = o.customer_id WHERE c.id IS NULL")) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }

  @Test
  void dataIsDeterministic() throws Exception {
    // Straight to the database: through Warden the dba sees masked values, and a hash over whole
    // rows comes back masked (a value computed from masked columns).
    try (Connection c = direct();
        Statement s = c.createStatement()) {
      s.execute("SET TIME ZONE 'UTC'");
      ResultSet rs =
          s.executeQuery("SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM customers c");
      rs.next();
      // Pinned: changing the generator changes the demo's story; update deliberately.
      assertThat(rs.getString(1)).isEqualTo(DETERMINISTIC_CUSTOMERS_MD5);
    }
  }

  static final String DETERMINISTIC_CUSTOMERS_MD5 = "62784b349d9a7eb8f8459ca06e70b30d";

  @Test
  void theDbaSeesMaskedValuesEvenInAHashOfWholeRows() throws Exception {
    try (Connection c = connect("WARDEN_DEMO_DBA_TOKEN");
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT card_number FROM customers ORDER BY id LIMIT 1")) {
        rs.next();
        assertThat(rs.getString(1)).matches("\\*{12}\\d{4}");
      }
      try (ResultSet rs =
          s.executeQuery("SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM customers c")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("[REDACTED]");
      }
    }
  }

  /**
   * The demo's MCP endpoint with the MCP TypeScript SDK's own client (npm), added as the guide
   * says: the agent's token, the same masked rows as through psql, the read-only query refusing a
   * stacked write, and the session in the trail as an MCP session.
   */
  @Test
  void anAgentOverMcpGetsWhatPsqlGets() throws Exception {
    assertThat(env).containsKey("WARDEN_DEMO_MCP_URL");
    String sql = "SELECT id, full_name, card_number, ssn FROM customers ORDER BY id LIMIT 3";
    var r =
        dev.warden.it.Processes.run(
            List.of("node", "mcp_client.js"),
            Map.of(
                "WARDEN_MCP_URL", env.get("WARDEN_DEMO_MCP_URL"),
                "WARDEN_MCP_TOKEN", env.get("WARDEN_DEMO_AGENT_TOKEN"),
                "WARDEN_MCP_CONNECTION", "shop",
                "WARDEN_MCP_SQL", sql,
                "NODE_EXTRA_CA_CERTS", env.get("WARDEN_DEMO_CA_CERT")),
            new java.io.File("src/test/node"),
            java.time.Duration.ofMinutes(2),
            null);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    var out = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stdout());
    assertThat(out.path("tools").toString()).contains("query").contains("execute");
    List<String> throughMcp = new ArrayList<>();
    for (var row : out.path("read").path("rows")) {
      List<String> cells = new ArrayList<>();
      row.forEach(c -> cells.add(c.isNull() ? null : c.asText()));
      throughMcp.add(String.join("\t", cells));
    }
    List<String> throughPostgres = new ArrayList<>();
    try (Connection c = connect("WARDEN_DEMO_AGENT_TOKEN");
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      while (rs.next()) {
        throughPostgres.add(
            String.join("\t", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
      }
    }
    assertThat(throughMcp).isEqualTo(throughPostgres);
    assertThat(throughMcp.getFirst()).contains("************");
    assertThat(out.path("write").path("isError").asBoolean()).isTrue();
    assertThat(out.path("write").path("rule").asText()).isEqualTo("read-only-session");
    // The session is recorded as an MCP session of the agent.
    String[] admin = {
      "--admin-url", env.get("WARDEN_DEMO_ADMIN_URL"), "--token", env.get("WARDEN_DEMO_DBA_TOKEN")
    };
    String replayed = null;
    // A session's records reach the store milliseconds after the fact: looked for until there.
    for (long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        (replayed == null || !replayed.contains("full_name")) && System.nanoTime() < until;
        Thread.sleep(50)) {
      String[] list = MaskingCorpusIT.warden(concat(new String[] {"sessions", "list"}, admin));
      for (String line : list[1].lines().toList()) {
        String id = line.split("\\s+")[0];
        if (id.isBlank() || id.equals("session")) {
          continue;
        }
        String[] show =
            MaskingCorpusIT.warden(concat(new String[] {"sessions", "show", id}, admin));
        if (show[1].contains("(mcp: warden-it-node 1.0.0)")) {
          replayed =
              MaskingCorpusIT.warden(
                  concat(new String[] {"sessions", "replay", id, "--speed", "0"}, admin))[1];
          break;
        }
      }
    }
    assertThat(replayed).as("an MCP session in the trail").isNotNull();
    assertThat(replayed).contains("full_name").contains("************");
  }

  /**
   * The same shop in the demo's MariaDB, through the MySQL door, with the same token and the same
   * sample policy: the mysql client as the guide prints it sees the same rows, masked the same way
   * as through the PostgreSQL door, and a statement the policy denies is denied the same way.
   */
  @Test
  void theMysqlDoorServesTheSameShopUnderTheSamePolicy() throws Exception {
    assertThat(env).containsKey("WARDEN_DEMO_MYSQL_PORT");
    String sql = "SELECT id, full_name, card_number, ssn FROM customers ORDER BY id LIMIT 3";
    List<String> mysql =
        List.of(
            "mysql",
            "-h",
            "127.0.0.1",
            "-P",
            env.get("WARDEN_DEMO_MYSQL_PORT"),
            "-u",
            "agent",
            "--ssl",
            "--password=" + env.get("WARDEN_DEMO_AGENT_TOKEN"),
            env.get("WARDEN_DEMO_MYSQL_DATABASE"),
            "-N",
            "-B",
            "-e");
    List<String> read = new java.util.ArrayList<>(mysql);
    read.add(sql);
    var r = dev.warden.it.Processes.run(read, Map.of(), java.time.Duration.ofMinutes(1));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<String> throughPostgres = new java.util.ArrayList<>();
    try (Connection c = connect("WARDEN_DEMO_AGENT_TOKEN");
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      while (rs.next()) {
        throughPostgres.add(
            rs.getString(1)
                + "\t"
                + rs.getString(2)
                + "\t"
                + rs.getString(3)
                + "\t"
                + rs.getString(4));
      }
    }
    assertThat(r.stdout().lines().toList()).isEqualTo(throughPostgres);
    assertThat(throughPostgres.getFirst()).contains("************");
    List<String> denied = new java.util.ArrayList<>(mysql);
    denied.add("SELECT * FROM internal.api_keys");
    var d = dev.warden.it.Processes.run(denied, Map.of(), java.time.Duration.ofMinutes(1));
    assertThat(d.exitCode()).isNotZero();
    assertThat(d.stderr()).contains("deny.internal");
    // The session is recorded, and replays as the mysql client showed it.
    String[] admin = {
      "--admin-url", env.get("WARDEN_DEMO_ADMIN_URL"), "--token", env.get("WARDEN_DEMO_DBA_TOKEN")
    };
    String[] list = {"", ""};
    String replayed = null;
    // A session's records reach the store milliseconds after the fact: looked for until there.
    for (long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        (replayed == null || !replayed.contains("rows in set")) && System.nanoTime() < until;
        Thread.sleep(50)) {
      list = MaskingCorpusIT.warden(concat(new String[] {"sessions", "list"}, admin));
      for (String line : list[1].lines().toList()) {
        String id = line.split("\\s+")[0];
        if (!line.contains("shop_mysql") || id.isBlank()) {
          continue;
        }
        String[] replay =
            MaskingCorpusIT.warden(
                concat(new String[] {"sessions", "replay", id, "--speed", "0"}, admin));
        if (replay[1].contains(sql)) {
          replayed = replay[1];
        }
      }
    }
    assertThat(replayed).as(list[1]).isNotNull();
    assertThat(replayed)
        .contains("mysql> " + sql + ";")
        .contains("| id | full_name")
        .contains("3 rows in set")
        .contains("************");
    assertThat(replayed.lines().filter(l -> l.startsWith("|")).toList())
        .anySatisfy(l -> assertThat(l).contains(throughPostgres.getFirst().split("\t")[2]));
  }

  /** A MySQL session, like a PostgreSQL one, ends when its token expires. */
  @Test
  void aMysqlSessionEndsWhenItsTokenExpires() throws Exception {
    String[] minted =
        MaskingCorpusIT.warden(
            "demo",
            "token",
            "--sub",
            "agent",
            "--groups",
            "code-assistant",
            "--ttl",
            "PT3S",
            "--env-file",
            dir.resolve("warden-demo.env").toString());
    assertThat(minted[0]).as(minted[2]).isEqualTo("0");
    String token = minted[1].strip();
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", token);
    props.setProperty("sslMode", "trust");
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:mariadb://127.0.0.1:"
                    + env.get("WARDEN_DEMO_MYSQL_PORT")
                    + "/"
                    + env.get("WARDEN_DEMO_MYSQL_DATABASE"),
                props);
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM customers")) {
        assertThat(rs.next()).isTrue();
      }
      Thread.sleep(4500);
      assertThatThrownBy(() -> s.executeQuery("SELECT count(*) FROM customers"))
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("expired");
    }
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void psqlAsPrinted() throws Exception {
    String out =
        psql(
            "-c",
            "SELECT id, full_name FROM customers ORDER BY id LIMIT 2",
            "-c",
            "\\dt",
            "-c",
            "\\d customers",
            "-c",
            "\\l");
    assertThat(out).contains("(2 rows)");
    assertThat(out).contains("customers").contains("orders");
    assertThat(out).contains("card_number").contains("timestamp with time zone");
    assertThat(out).contains("shop_owner");
  }

  @Test
  void psqlCopyInAndOut() throws Exception {
    Path csv = dir.resolve("orders.csv");
    try (Connection owner = direct();
        Statement s = owner.createStatement()) {
      // The agent may not create tables (DDL is held for a DBA): the owner makes the target.
      s.execute("CREATE TABLE public.copy_it (id int, note text)");
    }
    String out =
        psql(
            "-c",
            "\\copy (SELECT id, status FROM orders WHERE id <= 100 ORDER BY id) TO '"
                + csv
                + "' CSV",
            "-c",
            "\\copy public.copy_it FROM '" + csv + "' CSV",
            "-c",
            "SELECT count(*), min(id), max(id) FROM copy_it");
    assertThat(Files.readAllLines(csv)).hasSize(100);
    assertThat(out).contains("COPY 100").contains("  100 |   1 | 100");
  }

  @Test
  void theSamplePolicyIsEnforced() throws Exception {
    try (Connection c = connect("WARDEN_DEMO_AGENT_TOKEN");
        Statement s = c.createStatement()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.executeQuery("SELECT * FROM internal.api_keys"))
          .satisfies(
              e -> {
                assertThat(((java.sql.SQLException) e).getSQLState()).isEqualTo("42501");
                assertThat(e.getMessage())
                    .contains("denied by rule deny.internal")
                    .doesNotContain("sk_live_");
              });
      // Held for the dba, who says no (with the dba's own token, from the CLI).
      var drop =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  s.execute("DROP TABLE orders");
                  return "ran";
                } catch (java.sql.SQLException e) {
                  return e.getMessage();
                }
              });
      String id = pendingApproval("DROP TABLE orders");
      String[] denied = warden("approvals", "deny", id, "-m", "not in the demo");
      assertThat(denied[0]).as(denied[2]).isEqualTo("0");
      assertThat(drop.get(30, java.util.concurrent.TimeUnit.SECONDS))
          .contains("denied by rule agent.hold-ddl")
          .contains("was denied by dba: not in the demo");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.execute("COPY orders TO PROGRAM 'cat'"))
          .satisfies(e -> assertThat(e.getMessage()).contains("deny.copy-program-file"));
      assertThat(count(s, "orders")).isEqualTo(10_000);
    }
    try (Connection c = connect("WARDEN_DEMO_DBA_TOKEN");
        Statement s = c.createStatement()) {
      assertThat(count(s, "internal.api_keys")).as("the dba reads every schema").isEqualTo(10);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.executeUpdate("UPDATE orders SET status = 'x'"))
          .as("the dba writes nothing")
          .satisfies(e -> assertThat(((java.sql.SQLException) e).getSQLState()).isEqualTo("42501"));
    }
  }

  /**
   * EXPLAIN, SQL PREPARE/EXECUTE and cursors are allowed where the statement they carry is, and
   * denied where it is not: a PREPARE of a denied statement is denied, and an EXECUTE (or a FETCH)
   * of a name it would have defined cannot launder it.
   */
  @Test
  void explainPrepareAndCursorsAreDecidedAsTheirStatements() throws Exception {
    try (Connection c = connect("WARDEN_DEMO_AGENT_TOKEN");
        Statement s = c.createStatement()) {
      assertThat(firstColumn(s, "EXPLAIN SELECT * FROM customers WHERE id = 7"))
          .anyMatch(l -> l.contains("Index Scan using customers_pkey"));
      // The plan of a DELETE the policy would hold for the dba: planning runs nothing.
      assertThat(firstColumn(s, "EXPLAIN DELETE FROM orders WHERE id = 7"))
          .anyMatch(l -> l.startsWith("Delete on orders"));
      assertThat(count(s, "orders WHERE id = 7")).isEqualTo(1);
      assertDenied(s, "EXPLAIN SELECT * FROM internal.api_keys", "deny.internal");
      assertDenied(s, "EXPLAIN ANALYZE SELECT * FROM internal.api_keys", "deny.internal");
      assertDenied(s, "PREPARE k AS SELECT * FROM internal.api_keys", "deny.internal");
      assertDenied(s, "EXECUTE k", "default-deny");
      assertDenied(s, "PREPARE k2 AS SELECT * FROM internal.api_keys; EXECUTE k2", "deny.internal");
      s.execute("PREPARE o AS SELECT id, status FROM orders WHERE id = $1");
      assertThat(firstColumn(s, "EXECUTE o(7)")).containsExactly("7");
      s.execute("DEALLOCATE o");
      c.setAutoCommit(false);
      assertDenied(s, "DECLARE kc CURSOR FOR SELECT * FROM internal.api_keys", "deny.internal");
      c.rollback();
      assertDenied(s, "FETCH 1 FROM kc", "default-deny");
      c.rollback();
      s.execute("DECLARE oc CURSOR FOR SELECT id, card_number FROM customers ORDER BY id");
      try (ResultSet rs = s.executeQuery("FETCH 2 FROM oc")) {
        rs.next();
        assertThat(rs.getString(2)).startsWith("************");
      }
      s.execute("CLOSE oc");
      c.commit();
    }
  }

  static void assertDenied(Statement s, String sql, String rule) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute(sql))
        .as(sql)
        .hasMessageContaining("denied by rule " + rule);
  }

  static List<String> firstColumn(Statement s, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** Runs {@code warden} in this JVM with the demo's admin URL and the dba's token. */
  static String[] warden(String... args) {
    java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(args));
    all.addAll(
        java.util.List.of(
            "--admin-url",
            env.get("WARDEN_DEMO_ADMIN_URL"),
            "--token",
            env.get("WARDEN_DEMO_DBA_TOKEN")));
    return dev.warden.it.Cli.run(all.toArray(String[]::new));
  }

  /** The id of the pending approval request for {@code sql}, waiting up to 20 s for it. */
  static String pendingApproval(String sql) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      String[] list = warden("approvals", "list");
      for (String line : list[1].lines().toList()) {
        if (line.startsWith("apr_") && line.contains(sql)) {
          return line.split("\\s+")[0];
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no pending approval for " + sql);
  }

  @Test
  void anAgentsSchemaChangeWaitsInItsPsqlSessionUntilTheDbaApproves() throws Exception {
    var alter =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return psql("-c", "ALTER TABLE orders ADD COLUMN approved_note text");
              } catch (Exception e) {
                return e.toString();
              }
            });
    String id = pendingApproval("ALTER TABLE orders ADD COLUMN approved_note text");
    // The agent cannot approve its own request, even with its valid token.
    java.util.List<String> self =
        new java.util.ArrayList<>(
            java.util.List.of(
                "approvals",
                "approve",
                id,
                "--admin-url",
                env.get("WARDEN_DEMO_ADMIN_URL"),
                "--token",
                env.get("WARDEN_DEMO_AGENT_TOKEN")));
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cli = dev.warden.cli.Main.command();
    cli.setErr(new java.io.PrintWriter(err));
    assertThat(cli.execute(self.toArray(String[]::new))).isEqualTo(1);
    assertThat(err.toString()).contains("requester cannot approve");
    String[] approved = warden("approvals", "approve", id, "-m", "demo migration");
    assertThat(approved[0]).as(approved[2]).isEqualTo("0");
    assertThat(approved[1]).contains("approved").contains("approve by dba");
    String out = alter.get(60, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(out).contains("waiting for approval " + id).contains("ALTER TABLE");
    try (Connection owner = direct();
        Statement s = owner.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders'"
                    + " AND column_name = 'approved_note'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void aHeldDeleteShowsTheDbaThePlannersEstimate() throws Exception {
    String sql = "DELETE FROM orders WHERE status = 'paid' AND amount < 50";
    long expected;
    try (Connection owner = direct();
        Statement s = owner.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM orders WHERE status = 'paid' AND amount < 50")) {
      rs.next();
      expected = rs.getLong(1);
    }
    var delete =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                ProcessBuilder builder =
                    new ProcessBuilder(
                            "psql",
                            "-X",
                            "host=127.0.0.1 port="
                                + env.get("WARDEN_DEMO_PGPORT")
                                + " dbname=shop user=agent sslmode=require",
                            "-c",
                            sql)
                        .redirectErrorStream(true);
                builder.environment().put("PGPASSWORD", env.get("WARDEN_DEMO_AGENT_TOKEN"));
                builder.environment().remove("PGSSLROOTCERT");
                Process process = builder.start();
                process.getOutputStream().close();
                String out = new String(process.getInputStream().readAllBytes());
                process.waitFor(60, TimeUnit.SECONDS);
                return out;
              } catch (Exception e) {
                return e.toString();
              }
            });
    String id = pendingApproval(sql);
    // An approver watching sees it come in, with its estimate.
    String[] watched = warden("approvals", "watch", "--interval", "PT0.2S", "--for", "PT1S");
    assertThat(watched[0]).as(watched[2]).isEqualTo("0");
    assertThat(watched[1]).contains(id).contains("the planner expects ~");
    String[] shown = warden("approvals", "show", id);
    assertThat(shown[0]).as(shown[2]).isEqualTo("0");
    String line =
        shown[1].lines().filter(l -> l.contains("the planner expects")).findFirst().orElseThrow();
    long estimate = Long.parseLong(line.replaceAll(".*expects ~(\\d+) rows.*", "$1"));
    // The demo's tables are analyzed: the estimate is close to what the DELETE would remove.
    assertThat(estimate).isBetween(expected / 2, expected * 2 + 5);
    assertThat(line).contains("Delete on orders");
    warden("approvals", "deny", id, "-m", "not in the demo");
    assertThat(delete.get(60, java.util.concurrent.TimeUnit.SECONDS))
        .contains("the planner expects ~" + estimate + " rows")
        .contains("was denied by dba");
    try (Connection owner = direct();
        Statement s = owner.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM orders WHERE status = 'paid' AND amount < 50")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(expected);
    }
  }

  static Connection direct() throws Exception {
    URI url = URI.create(env.get("WARDEN_DEMO_DIRECT_URL").replace("postgresql://", "http://"));
    String[] credentials = url.getUserInfo().split(":", 2);
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + url.getPort() + url.getPath(),
        credentials[0],
        credentials[1]);
  }

  @Test
  void psqlVerifiesTheGatewayCertificateWithTheDemoCa() throws Exception {
    List<String> command = new ArrayList<>(List.of("psql", "-X", "-v", "ON_ERROR_STOP=1"));
    command.add(
        "host=localhost port="
            + env.get("WARDEN_DEMO_PGPORT")
            + " dbname=shop user=agent sslmode=verify-full sslrootcert="
            + env.get("WARDEN_DEMO_CA_CERT"));
    command.addAll(List.of("-Atc", "SELECT 'verified'"));
    assertThat(run(command, env.get("WARDEN_DEMO_AGENT_TOKEN"))).isEqualTo("verified\n");
  }

  @Test
  void directUrlReachesTheDatabaseAsItsOwner() throws Exception {
    String out =
        run(
            List.of(
                "psql",
                "-X",
                "-At",
                env.get("WARDEN_DEMO_DIRECT_URL"),
                "-c",
                "SELECT current_user, current_database()"),
            null);
    assertThat(out.strip()).isEqualTo("shop_owner|shop");
  }

  @Test
  void theAgentTokenIsNotTheDatabasePassword() throws Exception {
    String url =
        "jdbc:postgresql://127.0.0.1:"
            + URI.create(env.get("WARDEN_DEMO_DIRECT_URL").replace("postgresql://", "http://"))
                .getPort()
            + "/shop";
    Properties props = new Properties();
    props.setProperty("user", "shop_owner");
    props.setProperty("password", env.get("WARDEN_DEMO_AGENT_TOKEN"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> DriverManager.getConnection(url, props).close())
        .hasMessageContaining("password authentication failed");
  }

  @Test
  void adminHealth() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(env.get("WARDEN_DEMO_ADMIN_URL") + "/health"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"ok\"");
    HttpResponse<String> metrics =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(env.get("WARDEN_DEMO_ADMIN_URL") + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("warden_client_connections_active");
  }

  @Test
  void demoTokenMintsATokenForAnyIdentityThatTheGatewayAccepts() throws Exception {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cli = dev.warden.cli.Main.command();
    cli.setOut(new java.io.PrintWriter(out));
    int exit =
        cli.execute(
            "demo",
            "token",
            "--env-file",
            dir.resolve("warden-demo.env").toString(),
            "--sub",
            "reviewer",
            "--groups",
            "dba");
    assertThat(exit).isZero();
    String token = out.toString().strip();
    Properties props = new Properties();
    props.setProperty("user", "reviewer");
    props.setProperty("password", token);
    props.setProperty("sslmode", "require");
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + env.get("WARDEN_DEMO_PGPORT") + "/shop", props)) {
      HttpResponse<String> sessions =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(env.get("WARDEN_DEMO_ADMIN_URL") + "/sessions"))
                      .header("Authorization", "Bearer " + env.get("WARDEN_DEMO_DBA_TOKEN"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(sessions.statusCode()).isEqualTo(200);
      assertThat(sessions.body())
          .contains("\"subject\":\"reviewer\"")
          .contains("\"roles\":[\"dba\"]");
    }
  }

  @Test
  void runningTwiceInARowWorks() throws Exception {
    Path second = Files.createTempDirectory("warden-demo-it-2");
    Demo first =
        Demo.start(new Demo.Options(second.resolve("data"), second.resolve("a.env"), 0, 0));
    first.close();
    try (Demo again =
        Demo.start(new Demo.Options(second.resolve("data"), second.resolve("a.env"), 0, 0))) {
      Map<String, String> againEnv = readEnvFile(second.resolve("a.env"));
      Properties props = new Properties();
      props.setProperty("user", "agent");
      props.setProperty("password", againEnv.get("WARDEN_DEMO_AGENT_TOKEN"));
      props.setProperty("sslmode", "require");
      try (Connection c =
              DriverManager.getConnection(
                  "jdbc:postgresql://127.0.0.1:" + againEnv.get("WARDEN_DEMO_PGPORT") + "/shop",
                  props);
          Statement s = c.createStatement()) {
        assertThat(count(s, "customers")).isEqualTo(1000);
      }
    }
  }

  static Connection connect(String tokenVariable) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", env.get(tokenVariable));
    props.setProperty("sslmode", "require");
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + env.get("WARDEN_DEMO_PGPORT") + "/shop", props);
  }

  static long count(Statement s, String table) throws Exception {
    try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static String psql(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("psql", "-X", "-v", "ON_ERROR_STOP=1"));
    command.add(
        "host=127.0.0.1 port="
            + env.get("WARDEN_DEMO_PGPORT")
            + " dbname=shop user=agent sslmode=require");
    command.addAll(List.of(args));
    return run(command, env.get("WARDEN_DEMO_AGENT_TOKEN"));
  }

  static String run(List<String> command, String password) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (password != null) {
      builder.environment().put("PGPASSWORD", password);
    }
    builder.environment().remove("PGSSLROOTCERT");
    Process process = builder.start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out;
  }
}
