package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.identity.ServiceKey;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The agent tunnel with the database reachable only from the agent: a PostgreSQL of the test's own
 * in a network namespace, listening on that namespace's loopback; {@code warden agent} (its own
 * process) in the same namespace dials out over a veth pair to the gateway, which reaches the
 * database only through it (connection {@code far}, {@code agent: dc1}). Fifty concurrent sessions
 * share the agent's one connection while a slow reader holds a large result; the agent is killed
 * (its sessions end with an error, new ones are refused saying the agent is not connected) and
 * restarted (new sessions work once it is back).
 *
 * <p>Needs root (network namespaces), as CI has.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentTunnelIT {
  static final String NS = "wardenit" + ThreadLocalRandom.current().nextInt(1000, 9999);
  static final int SUBNET = ThreadLocalRandom.current().nextInt(1, 250);
  static final String HOST_IP = "10.231." + SUBNET + ".1";
  static final String NS_IP = "10.231." + SUBNET + ".2";
  static Path pgDir;
  static Process postgres;
  static Process agent;
  static GatewayFixture gateway;
  static String agentKey;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "network namespaces need root (CI runs as root)");
    String veth = "w" + NS.substring(NS.length() - 4);
    sh("ip", "netns", "add", NS);
    sh("ip", "link", "add", veth + "h", "type", "veth", "peer", "name", veth + "n");
    sh("ip", "link", "set", veth + "n", "netns", NS);
    sh("ip", "addr", "add", HOST_IP + "/30", "dev", veth + "h");
    sh("ip", "link", "set", veth + "h", "up");
    inNs("ip", "addr", "add", NS_IP + "/30", "dev", veth + "n");
    inNs("ip", "link", "set", veth + "n", "up");
    inNs("ip", "link", "set", "lo", "up");

    // The database: only on the namespace's loopback.
    pgDir = Files.createTempDirectory("warden-agent-pg");
    sh("chown", "postgres:postgres", pgDir.toString());
    sh(
        "runuser",
        "-u",
        "postgres",
        "--",
        "/usr/lib/postgresql/15/bin/initdb",
        "-D",
        pgDir.resolve("data").toString(),
        "-A",
        "trust",
        "-U",
        "postgres",
        "--no-sync");
    postgres =
        new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                NS,
                "runuser",
                "-u",
                "postgres",
                "--",
                "/usr/lib/postgresql/15/bin/postgres",
                "-D",
                pgDir.resolve("data").toString(),
                "-k",
                pgDir.toString(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "max_connections=200",
                "-c",
                "fsync=off")
            .redirectErrorStream(true)
            .redirectOutput(pgDir.resolve("postgres.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Processes.run(
                    List.of("ip", "netns", "exec", NS, "pg_isready", "-h", "127.0.0.1", "-q"),
                    Map.of(),
                    Duration.ofSeconds(10))
                .exitCode()
            != 0
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    inNs(
        "psql",
        "-X",
        "-q",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        "CREATE TABLE marker AS SELECT 'inside the namespace'::text AS here;"
            + " CREATE TABLE big AS SELECT g AS id, repeat('x', 200) AS pad"
            + " FROM generate_series(1, 200000) g");

    SecureRandom random = new SecureRandom();
    agentKey = ServiceKey.generate(random);
    gateway =
        GatewayFixture.start(
            Map.of(
                "far",
                "{host: 127.0.0.1, port: 5432, database: postgres, user: postgres, agent: dc1}",
                // Through the same agent, to an address it was not told to allow.
                "beyond",
                "{host: 127.0.0.1, port: 5433, database: postgres, user: postgres, agent: dc1}"),
            // Fifty clients on one address start at once: above the per-address default of 32,
            // and, TLS and the tunnel's login on two cores under the full suite, slower than 10 s
            // for the last of them (seen twice).
            "limits:\n  startupTimeout: 30s\n  maxStartingPerAddress: 256\n  agentKeepalive: 2s\n"
                + "agents:\n  - {name: dc1, keyHash: \""
                + ServiceKey.hash(agentKey, random)
                + "\"}\n");
    startAgent();
    awaitFar();
  }

  @AfterAll
  static void stop() throws Exception {
    if (agent != null) {
      agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (gateway != null) {
      gateway.close();
    }
    if (postgres != null) {
      postgres.destroy();
      if (!postgres.waitFor(20, TimeUnit.SECONDS)) {
        postgres.destroyForcibly();
      }
    }
    Processes.run(List.of("ip", "netns", "del", NS), Map.of(), Duration.ofSeconds(20));
    if (pgDir != null) {
      Processes.run(List.of("rm", "-rf", pgDir.toString()), Map.of(), Duration.ofSeconds(20));
    }
  }

  /** {@code warden agent} in the namespace, its own process, as an operator runs it. */
  static void startAgent() throws Exception {
    agent = dc1();
  }

  /** A {@code warden agent} named dc1 in the namespace (one more, if one runs already). */
  static Process dc1() throws Exception {
    return agent(
        List.of("ip", "netns", "exec", NS),
        HOST_IP + ":" + gateway.agentsPort(),
        gateway.caCertificate(),
        "dc1",
        agentKey,
        "127.0.0.1:5432");
  }

  /** {@code warden agent} (after {@code prefix}, e.g. into a namespace), logging to agent.log. */
  static Process agent(
      List<String> prefix, String gatewayAddress, Path ca, String name, String key, String allow)
      throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        List.of(
            java,
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.warden.cli.Main",
            "agent",
            "--gateway",
            gatewayAddress,
            "--server-name",
            "localhost",
            "--ca",
            ca.toString(),
            "--name",
            name,
            "--allow",
            allow,
            "--keepalive",
            "PT2S"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(pgDir.resolve("agent.log").toFile()));
    builder.environment().put("WARDEN_AGENT_KEY", key);
    return builder.start();
  }

  /** Waits until a session on connection far gets through (the agent has dialed in). */
  static void awaitFar() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      try (Connection c = gateway.connect("far", new Properties())) {
        return;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new AssertionError(
        "no session through the agent: "
            + last
            + "\n"
            + Files.readString(pgDir.resolve("agent.log")),
        last);
  }

  /** A new session on connection far reads the namespace's marker through the agent. */
  static void assertFarAnswers() throws Exception {
    try (Connection c = gateway.connect("far", new Properties())) {
      assertThat(one(c, "SELECT here FROM marker")).isEqualTo("inside the namespace");
    }
  }

  static String one(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  @Order(1)
  void theDatabaseIsReachableOnlyThroughTheAgent() throws Exception {
    // Not from the gateway's network: the database listens on the namespace's loopback only.
    assertThatThrownBy(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(NS_IP, 5432), 2000);
              }
            })
        .isInstanceOf(java.io.IOException.class);
    try (Connection c = gateway.connect("far", new Properties())) {
      assertThat(one(c, "SELECT here FROM marker")).isEqualTo("inside the namespace");
      assertThat(one(c, "SELECT count(*) FROM big")).isEqualTo("200000");
    }
    // The gateway's own database (connection test) is another one.
    try (Connection c = gateway.connect()) {
      assertThat(one(c, "SELECT to_regclass('public.marker') IS NULL")).isEqualTo("t");
    }
  }

  @Test
  @Order(2)
  void fiftySessionsShareOneAgentWhileASlowReaderHoldsALargeResult() throws Exception {
    Properties slow = new Properties();
    slow.setProperty("socketFactory", SlowSocketFactory.class.getName());
    Connection slowConnection = gateway.connect("far", slow);
    AtomicLong slowRows = new AtomicLong();
    CompletableFuture<Void> slowRead =
        CompletableFuture.runAsync(
            () -> {
              try (Statement s = slowConnection.createStatement();
                  ResultSet rs = s.executeQuery("SELECT id, pad FROM big")) {
                while (rs.next()) {
                  slowRows.incrementAndGet();
                }
              } catch (SQLException e) {
                // Closed by the test once the others are through.
              }
            });
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try {
      List<Future<Integer>> sessions = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        sessions.add(
            pool.submit(
                () -> {
                  try (Connection c = gateway.connect("far", new Properties())) {
                    int checked = 0;
                    for (int q = 0; q < 10; q++) {
                      int id = 1 + (n * 1000 + q * 37) % 200000;
                      assertThat(one(c, "SELECT length(pad) + id FROM big WHERE id = " + id))
                          .isEqualTo(String.valueOf(200 + id));
                      checked++;
                    }
                    // A result larger than a stream's window, read at full speed.
                    assertThat(one(c, "SELECT count(*) FROM (SELECT pad FROM big LIMIT 20000) s"))
                        .isEqualTo("20000");
                    return checked;
                  }
                }));
      }
      for (Future<Integer> session : sessions) {
        // A liveness bound, not a timing: a stalled tunnel would never finish.
        assertThat(session.get(120, TimeUnit.SECONDS)).isEqualTo(10);
      }
      assertThat(slowRead)
          .as("the slow reader was still reading while fifty sessions went through")
          .isNotDone();
      assertThat(slowRows.get()).isLessThan(200000);
    } finally {
      pool.shutdownNow();
      slowConnection.close();
    }
  }

  @Test
  @Order(3)
  void killingTheAgentEndsItsSessionsAndNewOnesWorkAfterItReconnects() throws Exception {
    Connection open = gateway.connect("far", new Properties());
    assertThat(one(open, "SELECT here FROM marker")).isEqualTo("inside the namespace");
    agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    // The session that was on it ends with an error (not a hang, not a wrong result).
    try (Statement s = open.createStatement()) {
      s.setQueryTimeout(30);
      assertThatThrownBy(() -> s.executeQuery("SELECT here FROM marker"))
          .isInstanceOf(SQLException.class);
    } finally {
      open.close();
    }
    // A new session is refused, saying why.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String refusal = "";
    while (System.nanoTime() < deadline && !refusal.contains("not connected")) {
      try (Connection c = gateway.connect("far", new Properties())) {
        Thread.sleep(100);
      } catch (SQLException e) {
        refusal = e.getMessage();
      }
    }
    assertThat(refusal).contains("agent 'dc1'").contains("not connected");
    startAgent();
    awaitFar();
    assertFarAnswers();
  }

  /**
   * The link goes silent (the namespace's end of the cable is pulled: no FIN, no RST, packets just
   * vanish, as when a NAT or firewall forgets the connection). Both ends find out from the
   * keepalive within seconds: the gateway stops routing sessions into the dead link and says the
   * agent is not connected (without it, TCP would keep it for many minutes and every session would
   * wait out the tunnel timeout), and once the cable is back the agent dials again.
   */
  @Test
  @Order(6)
  void aLinkThatGoesSilentIsFoundDeadAndDialedAgain() throws Exception {
    assertFarAnswers();
    assertThat(metric("warden_agent_connected{agent=\"dc1\"}")).isEqualTo(1);
    assertThat(metric("warden_agent_tunnels_total{agent=\"dc1\",outcome=\"opened\"}")).isPositive();
    double disconnects = metric("warden_agent_disconnects_total{agent=\"dc1\"}");
    String cable = "w" + NS.substring(NS.length() - 4) + "n";
    inNs("ip", "link", "set", cable, "down");
    String refusal = "";
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      while (System.nanoTime() < deadline && !refusal.contains("not connected")) {
        try (Connection c = gateway.connect("far", new Properties())) {
          refusal = "a session got through a dead link";
          break;
        } catch (SQLException e) {
          refusal = e.getMessage();
        }
      }
      assertThat(refusal).contains("agent 'dc1'").contains("not connected");
      // What an operator's alert sees (before the cable is back and the agent redials).
      assertThat(metric("warden_agent_connected{agent=\"dc1\"}")).isZero();
      assertThat(metric("warden_agent_disconnects_total{agent=\"dc1\"}"))
          .isGreaterThan(disconnects);
    } finally {
      inNs("ip", "link", "set", cable, "up");
    }
    awaitFar();
    assertFarAnswers();
    assertThat(metric("warden_agent_connected{agent=\"dc1\"}")).isEqualTo(1);
  }

  /**
   * A second agent of the same name (a replica, as a Deployment with two pods runs it) does not
   * displace the first while that one answers — the two would otherwise take the link from each
   * other at every redial, cutting every session each time. It stands by, and takes over when the
   * first dies.
   */
  @Test
  @Order(7)
  void aSecondAgentOfTheSameNameStandsByAndTakesOver() throws Exception {
    awaitFar();
    double disconnects = metric("warden_agent_disconnects_total{agent=\"dc1\"}");
    Process first = agent;
    try (Connection open = gateway.connect("far", new Properties())) {
      assertThat(one(open, "SELECT here FROM marker")).isEqualTo("inside the namespace");
      agent = null;
      Process standby = dc1();
      agent = standby; // stopped by stop() from now on
      // Its first dials (backoff from 200 ms) each meet the first agent answering.
      Thread.sleep(5000);
      assertThat(standby.isAlive()).isTrue();
      assertThat(one(open, "SELECT here FROM marker"))
          .as("the session on the first agent's link goes on")
          .isEqualTo("inside the namespace");
      assertThat(metric("warden_agent_disconnects_total{agent=\"dc1\"}")).isEqualTo(disconnects);
    } finally {
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    awaitFar();
    assertFarAnswers();
  }

  /**
   * The agent refuses a tunnel to an address it was not told to allow: the client hears which agent
   * refused and why, in words it can act on — not "the database closed the connection", as the door
   * alone would say — and not the database's address (that stays in the logs).
   */
  @Test
  @Order(8)
  void aTunnelTheAgentRefusesIsExplainedToTheClient() throws Exception {
    awaitFar();
    double refused = metric("warden_agent_tunnels_total{agent=\"dc1\",outcome=\"refused\"}");
    assertThatThrownBy(() -> gateway.connect("beyond", new Properties()).close())
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("agent 'dc1' could not open a tunnel")
        .hasMessageContaining("--allow")
        .message()
        .doesNotContain("5433")
        .doesNotContain("closed the connection");
    assertThat(metric("warden_agent_tunnels_total{agent=\"dc1\",outcome=\"refused\"}"))
        .isGreaterThan(refused);
    assertFarAnswers();
  }

  /** A sample of the gateway's /metrics (Prometheus text) by its name and labels; 0 when absent. */
  static double metric(String series) throws Exception {
    return metric(gateway.adminPort(), series);
  }

  /** The same, of the gateway whose admin port is {@code adminPort}. */
  static double metric(int adminPort, String series) throws Exception {
    String text =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + gateway.adminPort() + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    return text.lines()
        .filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .findFirst()
        .orElse(0);
  }

  /**
   * Garbage on the agents' port and an agent with a wrong key are refused (the key's owner is not
   * displaced); sessions through the real agent go on.
   */
  @Test
  @Order(5)
  void garbageAndAWrongKeyOnTheAgentsPortChangeNothing() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", gateway.agentsPort()), 2000);
      s.setSoTimeout(15_000);
      byte[] junk = new byte[4096];
      ThreadLocalRandom.current().nextBytes(junk);
      s.getOutputStream().write(junk);
      s.getOutputStream().flush();
      // Closed by the gateway (end of stream, or a reset), not left hanging.
      try {
        while (s.getInputStream().read() >= 0) {
          // an alert, then the close
        }
      } catch (java.io.IOException closed) {
        // reset: closed as well
      }
    }
    Process impostor =
        agent(
            List.of(),
            "127.0.0.1:" + gateway.agentsPort(),
            gateway.caCertificate(),
            "dc1",
            ServiceKey.generate(new SecureRandom()),
            "127.0.0.1:5432");
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline
          && !Files.readString(pgDir.resolve("agent.log"))
              .contains("the gateway refused agent dc1")) {
        Thread.sleep(100);
      }
      assertThat(Files.readString(pgDir.resolve("agent.log")))
          .contains("the gateway refused agent dc1");
      try (Connection c = gateway.connect("far", new Properties())) {
        assertThat(one(c, "SELECT here FROM marker")).isEqualTo("inside the namespace");
      }
    } finally {
      impostor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The MySQL door through an agent too: a gateway whose MariaDB connection names agent {@code dc2}
   * (here beside the machine's MariaDB); MariaDB Connector/J gets its rows through the tunnel, and
   * the session is refused with the agent gone.
   */
  @Test
  @Order(4)
  void theMysqlDoorReachesItsDatabaseThroughAnAgentToo() throws Exception {
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    try (MysqlFixture mysql =
        MysqlFixture.start(
            "far_mysql",
            MysqlFixture.DATABASE,
            null,
            new dev.warden.core.audit.Slf4jAuditLog(),
            "agents:\n  - {name: dc2, keyHash: \"" + ServiceKey.hash(key, random) + "\"}\n",
            MysqlFixture.PORT,
            ", agent: dc2")) {
      // A connection to the agents' port that never authenticates is closed after the startup
      // timeout: it must not keep one of the gateway's starting places (shared with every door).
      try (javax.net.ssl.SSLSocket idle =
          (javax.net.ssl.SSLSocket)
              McpIT.trusting(mysql.dataDir.resolve("tls/ca.crt"))
                  .getSocketFactory()
                  .createSocket("127.0.0.1", mysql.gateway.agentsPort())) {
        idle.setEnabledProtocols(new String[] {"TLSv1.3"});
        idle.startHandshake();
        idle.setSoTimeout(30_000); // under the keepalive's 3 x 15 s, which would close it too
        byte[] buffer = new byte[4096];
        boolean closed = false;
        while (!closed) {
          try {
            closed = idle.getInputStream().read(buffer) < 0; // the server's HTTP/2 preface first
          } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("an unauthenticated agents' connection was kept", e);
          } catch (java.io.IOException e) {
            closed = true; // reset or TLS close: closed all the same
          }
        }
      }
      // First an agent that may not reach this database: the MySQL client hears why.
      Process wrong = dc2(mysql, key, "127.0.0.1:1");
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String refused = "";
        while (!refused.contains("could not open a tunnel") && System.nanoTime() < deadline) {
          try (Connection c = mysql.connect(mysql.agentKey, new Properties())) {
            refused = "a session got through an agent that may not reach the database";
            break;
          } catch (SQLException e) {
            refused = String.valueOf(e.getMessage());
            Thread.sleep(200);
          }
        }
        assertThat(refused)
            .contains("agent 'dc2' could not open a tunnel")
            .contains("--allow")
            .doesNotContain(String.valueOf(MysqlFixture.PORT));
      } finally {
        wrong.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      Process dc2 = dc2(mysql, key, "127.0.0.1:" + MysqlFixture.PORT);
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String seen = null;
        while (seen == null && System.nanoTime() < deadline) {
          try (Connection c = mysql.connect(mysql.agentKey, new Properties())) {
            seen = one(c, "SELECT CONCAT('through ', 'the agent'), @@version_comment");
          } catch (SQLException e) {
            Thread.sleep(200);
          }
        }
        assertThat(seen).isEqualTo("through the agent");
        // The agent's link, up and idle, holds no starting place.
        assertThat(metric(mysql.gateway.adminPort(), "warden_client_connections_starting"))
            .isZero();
      } finally {
        dc2.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      String refusal = "";
      while (System.nanoTime() < deadline && !refusal.contains("not connected")) {
        try (Connection c = mysql.connect(mysql.agentKey, new Properties())) {
          Thread.sleep(100);
        } catch (SQLException e) {
          refusal = String.valueOf(e.getMessage());
        }
      }
      assertThat(refusal).contains("agent 'dc2'").contains("not connected");
    }
  }

  /**
   * A {@code warden agent} named dc2 beside the machine's MariaDB, allowed to reach {@code allow}.
   */
  static Process dc2(MysqlFixture mysql, String key, String allow) throws Exception {
    return agent(
        List.of(),
        "127.0.0.1:" + mysql.gateway.agentsPort(),
        mysql.dataDir.resolve("tls/ca.crt"),
        "dc2",
        key,
        allow);
  }

  static void inNs(String... command) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", NS));
    full.addAll(List.of(command));
    sh(full.toArray(String[]::new));
  }

  static void sh(String... command) throws Exception {
    Processes.Result r = Processes.run(List.of(command), Map.of(), Duration.ofSeconds(60));
    assertThat(r.exitCode()).as(String.join(" ", command) + "\n" + r).isZero();
  }
}
