package dev.warden.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.ServiceKey;
import dev.warden.store.AuditRecord;
import dev.warden.store.AuditStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Write-ahead under a crash, with the gateway process killed with SIGKILL: while clients insert
 * (every row the database holds has its statement record), and under a mixed load killed again and
 * again (no row and no result a client received lacks its record). {@code warden audit verify}
 * passes on what was written, the journal a dead gateway left included.
 */
class AuditCrashIT {
  static final Pattern LISTENING = Pattern.compile("listening for PostgreSQL on /127.0.0.1:(\\d+)");

  @Test
  void everyStatementTheDatabaseRanHasARecordAfterSigkill() throws Exception {
    Path dir = Files.createTempDirectory("warden-crash");
    table("public.crash_it (client int, n int)");
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    writeConfig(dir, key, random);
    Process gateway = start(dir);
    int port;
    try (BufferedReader log = new BufferedReader(new InputStreamReader(gateway.getInputStream()))) {
      port = port(log);
      Thread.ofVirtual().start(() -> drain(log));
      assertThat(port).isPositive();

      int clients = 4;
      AtomicInteger inserted = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        int p = port;
        done.add(
            pool.submit(
                () -> {
                  Properties props = new Properties();
                  props.setProperty("user", "agent");
                  props.setProperty("password", key);
                  props.setProperty("sslmode", "disable");
                  props.setProperty("preferQueryMode", client % 2 == 0 ? "simple" : "extended");
                  try (Connection conn =
                          DriverManager.getConnection(
                              "jdbc:postgresql://127.0.0.1:" + p + "/test", props);
                      PreparedStatement ps =
                          conn.prepareStatement("INSERT INTO public.crash_it VALUES (?, ?)")) {
                    for (int i = 0; i < 100_000; i++) {
                      ps.setInt(1, client);
                      ps.setInt(2, i);
                      ps.executeUpdate();
                      inserted.incrementAndGet();
                    }
                  } catch (SQLException killed) {
                    // the gateway is gone
                  }
                  return null;
                }));
      }
      long deadlineLoad = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (inserted.get() < 400 && System.nanoTime() < deadlineLoad) {
        Thread.sleep(20);
      }
      gateway.destroyForcibly(); // SIGKILL, mid-load
      assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(inserted.get()).isGreaterThanOrEqualTo(400);
    }
    // Give statements the dead gateway had forwarded a moment to finish on the server.
    Thread.sleep(500);
    Set<String> executed = new HashSet<>();
    try (Connection direct =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT client, n FROM public.crash_it")) {
      while (rs.next()) {
        executed.add(rs.getInt(1) + "/" + rs.getInt(2));
      }
    }
    Set<String> recorded = new HashSet<>();
    Pattern values =
        Pattern.compile("VALUES \\(\\('?(\\d+)'?(?:::int4)?\\), \\('?(\\d+)'?(?:::int4)?\\)\\)");
    try (AuditStore store = AuditStore.sqlite(dir.resolve("data/audit.db"))) {
      List<AuditRecord> all = new ArrayList<>();
      store.forEach(1, all::add);
      for (AuditRecord r : all) {
        if (!r.kind().equals("statement") || !r.payload().contains("crash_it")) {
          continue;
        }
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.payload());
        var params = node.path("parameters");
        if (params.size() == 2) {
          recorded.add(
              Integer.parseInt(params.get(0).asText().replace("\\x", ""), 16)
                  + "/"
                  + Integer.parseInt(params.get(1).asText().replace("\\x", ""), 16));
        } else {
          Matcher m = values.matcher(node.path("sql").asText());
          if (m.find()) {
            recorded.add(m.group(1) + "/" + m.group(2));
          }
        }
      }
    }
    assertThat(executed).hasSizeGreaterThanOrEqualTo(400);
    Set<String> unrecorded = new HashSet<>(executed);
    unrecorded.removeAll(recorded);
    assertThat(unrecorded).as("rows the database holds without a statement record").isEmpty();
    LauncherIT.Run verify =
        LauncherIT.run("audit", "verify", "--data-dir", dir.resolve("data").toString());
    assertThat(verify.exit()).as(verify.out()).isZero();
    assertThat(verify.out()).contains("audit trail intact");
  }

  /**
   * The guarantee under a mixed load, killed at random points, again and again on the same trail:
   * readers (some of whose statements run before their record is durable, their results held) and
   * writers; each client logs what it received. After every kill, every row the database holds has
   * its record, and every result a client received has its record; the trail verifies.
   */
  @Test
  void noReceivedResultAndNoChangedRowLacksItsRecordAcrossRepeatedKills() throws Exception {
    Path dir = Files.createTempDirectory("warden-crash-mixed");
    table("public.crash_mixed (id text PRIMARY KEY)");
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    writeConfig(dir, key, random);
    Set<String> received = ConcurrentHashMap.newKeySet();
    int rounds = 4;
    for (int round = 0; round < rounds; round++) {
      Process gateway = start(dir);
      try (BufferedReader log =
          new BufferedReader(new InputStreamReader(gateway.getInputStream()))) {
        int port = port(log);
        Thread.ofVirtual().start(() -> drain(log));
        AtomicInteger results = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          String client = "r" + round + "c" + c;
          boolean writer = c % 2 == 0;
          String mode = c < 2 ? "simple" : "extended";
          done.add(
              pool.submit(
                  () -> {
                    load(port, key, client, writer, mode, received, results);
                    return null;
                  }));
        }
        // Kill at a random point of the load: after 50 to 600 results.
        int killAt = 50 + random.nextInt(550);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (results.get() < killAt && System.nanoTime() < deadline) {
          Thread.sleep(1);
        }
        gateway.destroyForcibly();
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(results.get()).as("results before the kill in round " + round).isPositive();
      }
    }
    Thread.sleep(500); // statements the dead gateway had forwarded finish on the server
    Set<String> rows = new HashSet<>();
    try (Connection direct =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM public.crash_mixed")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    Set<String> recorded = new HashSet<>();
    Pattern id = Pattern.compile("'((?:w|q)-r\\d+c\\d+-\\d+)'");
    try (AuditStore store = AuditStore.sqlite(dir.resolve("data/audit.db"))) {
      store.forEach(
          1,
          r -> {
            if (r.kind().equals("statement")) {
              Matcher m = id.matcher(r.payload());
              while (m.find()) {
                recorded.add(m.group(1));
              }
            }
          });
    }
    assertThat(rows).as("rows written").isNotEmpty();
    assertThat(received.stream().filter(r -> r.startsWith("q-")))
        .as("read results received")
        .isNotEmpty();
    Set<String> unrecordedRows = new HashSet<>(rows);
    unrecordedRows.removeAll(recorded);
    assertThat(unrecordedRows).as("rows the database holds without a statement record").isEmpty();
    Set<String> unrecordedResults = new HashSet<>(received);
    unrecordedResults.removeAll(recorded);
    assertThat(unrecordedResults).as("results a client received without a record").isEmpty();
    LauncherIT.Run verify =
        LauncherIT.run("audit", "verify", "--data-dir", dir.resolve("data").toString());
    assertThat(verify.exit()).as(verify.out()).isZero();
    assertThat(verify.out()).contains("audit trail intact");
  }

  /**
   * One client until the gateway dies: a writer inserts ids {@code w-<client>-<n>}; a reader runs
   * reads whose text carries {@code q-<client>-<n>}. Each result received is logged by its id.
   */
  private static void load(
      int port,
      String key,
      String client,
      boolean writer,
      String mode,
      Set<String> received,
      AtomicInteger results) {
    Properties props = new Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", key);
    props.setProperty("sslmode", "disable");
    props.setProperty("preferQueryMode", mode);
    try (Connection conn =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/test", props);
        Statement s = conn.createStatement()) {
      for (int i = 0; i < 100_000; i++) {
        String id = (writer ? "w-" : "q-") + client + "-" + i;
        if (writer) {
          s.executeUpdate("INSERT INTO public.crash_mixed VALUES ('" + id + "')");
        } else {
          try (ResultSet rs =
              s.executeQuery("SELECT '" + id + "' AS id, count(*) FROM public.crash_mixed")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(id);
          }
        }
        received.add(id);
        results.incrementAndGet();
      }
    } catch (SQLException killed) {
      // the gateway is gone
    }
  }

  /** (Re)creates a table in the test database, directly. */
  private static void table(String definition) throws Exception {
    try (Connection direct =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + definition.substring(0, definition.indexOf(' ')));
      s.execute("CREATE TABLE " + definition);
    }
  }

  /** The gateway's policy (agent may insert and read on public) and configuration, in dir. */
  private static void writeConfig(Path dir, String key, SecureRandom random) throws Exception {
    Files.writeString(
        dir.resolve("policy.json"),
        """
        {"version": 1, "grants": [{"id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [{"id": "agent.insert", "classes": ["WRITE"], "verbs": ["INSERT"], "objects": ["public.*"]},
                    {"id": "agent.read", "classes": ["READ"], "objects": ["public.*"]},
                    {"id": "agent.session", "classes": ["SESSION", "TRANSACTION"]}]}]}
        """);
    Files.writeString(
        dir.resolve("warden.yaml"),
        """
        listen:
          postgres: {host: 127.0.0.1, port: 0}
          admin: {host: 127.0.0.1, port: 0}
        dataDir: %s
        tls: {allowPlaintextOnLoopback: true}
        connections:
          test: {host: 127.0.0.1, port: 5432, database: test, user: postgres}
        identities:
          serviceKeys:
            - {subject: agent, keyHash: "%s", connections: [test]}
          roles:
            - {role: agent, match: {subject: agent}}
        policy: {file: %s}
        """
            .formatted(
                dir.resolve("data"), ServiceKey.hash(key, random), dir.resolve("policy.json")));
  }

  private static Process start(Path dir) throws Exception {
    return new ProcessBuilder(
            LauncherIT.LAUNCHER.getPath(),
            "gateway",
            "--config",
            dir.resolve("warden.yaml").toString())
        .redirectErrorStream(true)
        .start();
  }

  private static int port(BufferedReader log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String line = log.readLine();
      assertThat(line).as("the gateway started").isNotNull();
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("the gateway did not start within 60 s");
  }

  private static void drain(BufferedReader log) {
    try {
      while (log.readLine() != null) {
        // keep the pipe from filling
      }
    } catch (Exception ignored) {
      // the process is gone
    }
  }
}
