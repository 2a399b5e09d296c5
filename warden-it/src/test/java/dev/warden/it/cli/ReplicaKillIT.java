package dev.warden.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.ServiceKey;
import dev.warden.it.Cli;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway processes sharing one PostgreSQL audit store (one chain for both: appends take the
 * store's advisory lock), writing under load; one is killed with SIGKILL mid-load. Its clients get
 * errors, the other replica goes on, every row changed in the database has its statement's record
 * in the trail, and {@code warden audit verify} passes over the whole trail.
 */
class ReplicaKillIT {
  static final String STORE = "jdbc:postgresql://127.0.0.1:5432/warden_replica_kill_it";
  final List<Process> replicas = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : replicas) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void killingOneReplicaUnderLoadLosesNoRecordAndTheTrailVerifies() throws Exception {
    try (Connection admin =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS warden_replica_kill_it WITH (FORCE)");
      s.execute("CREATE DATABASE warden_replica_kill_it");
    }
    try (Connection direct =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.replica_load");
      s.execute("CREATE TABLE public.replica_load (tag text PRIMARY KEY)");
    }
    Path dir = Files.createTempDirectory("warden-replica-kill-it");
    // One signing key for both, as the Kubernetes Secret gives every replica.
    Path signingKey = dir.resolve("audit-signing.key");
    AuditKeys.loadOrCreate(signingKey);
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    String hash = ServiceKey.hash(key, random);
    int[] ports = new int[2];
    Path[] configs = new Path[2];
    for (int i = 0; i < 2; i++) {
      ports[i] = DrainIT.freePort();
      Path data = Files.createDirectories(dir.resolve("replica-" + i));
      configs[i] = data.resolve("warden.yaml");
      Files.writeString(
          configs[i],
          """
          listen:
            postgres: {host: 127.0.0.1, port: %d}
            admin: {host: 127.0.0.1, port: %d}
          dataDir: %s
          audit:
            store: postgresql
            url: "%s"
            user: postgres
            signingKey: %s
            checkpointRecords: 50
          connections:
            test: {host: 127.0.0.1, port: 5432, database: test, user: postgres}
          identities:
            serviceKeys:
              - {subject: loader, keyHash: "%s", connections: [test]}
          """
              .formatted(ports[i], DrainIT.freePort(), data, STORE, signingKey, hash));
      String java = ProcessHandle.current().info().command().orElse("java");
      replicas.add(
          new ProcessBuilder(
                  java,
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  "dev.warden.cli.Main",
                  "gateway",
                  "--config",
                  configs[i].toString())
              .redirectErrorStream(true)
              .redirectOutput(data.resolve("gateway.log").toFile())
              .start());
    }
    for (int port : ports) {
      awaitSession(port, key);
    }

    // Load: two writers per replica, each acknowledged INSERT remembered.
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    Set<String> refusedAfterKill = ConcurrentHashMap.newKeySet();
    AtomicBoolean killed = new AtomicBoolean();
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch writers = new CountDownLatch(4);
    for (int w = 0; w < 4; w++) {
      int replica = w % 2;
      String prefix = "r" + replica + "-w" + w + "-";
      Thread.ofPlatform()
          .start(
              () -> {
                try (Connection c = connect(ports[replica], key);
                    Statement s = c.createStatement()) {
                  for (int n = 0; n < 100_000 && !done.get(); n++) {
                    String tag = prefix + n;
                    s.executeUpdate("INSERT INTO public.replica_load VALUES ('" + tag + "')");
                    acknowledged.add(tag);
                  }
                } catch (SQLException e) {
                  if (killed.get()) {
                    refusedAfterKill.add(prefix);
                  }
                } finally {
                  writers.countDown();
                }
              });
    }
    Thread.sleep(1500);
    killed.set(true);
    replicas.get(0).destroyForcibly(); // SIGKILL: no drain, no flush
    assertThat(replicas.get(0).waitFor(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(1000);
    done.set(true);
    assertThat(writers.await(60, TimeUnit.SECONDS)).as("every writer ends").isTrue();
    assertThat(refusedAfterKill)
        .as("the killed replica's clients got errors")
        .containsExactlyInAnyOrder("r0-w0-", "r0-w2-");
    // The other replica went on: new work after the kill.
    try (Connection c = connect(ports[1], key);
        Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO public.replica_load VALUES ('after-the-kill')");
      acknowledged.add("after-the-kill");
    }

    Set<String> rows = new HashSet<>();
    try (Connection direct =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT tag FROM public.replica_load")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    assertThat(rows).containsAll(acknowledged);
    assertThat(rows.stream().filter(t -> t.startsWith("r0-"))).isNotEmpty();
    assertThat(rows.stream().filter(t -> t.startsWith("r1-"))).isNotEmpty();
    // Every row in the database has its statement's record in the shared trail.
    Set<String> recorded = new HashSet<>();
    try (AuditStore store = AuditStore.postgresql(STORE, "postgres", null)) {
      store.forEach(
          0,
          r -> {
            int at = r.payload().indexOf("INSERT INTO public.replica_load VALUES ('");
            if (at >= 0) {
              int from = at + "INSERT INTO public.replica_load VALUES ('".length();
              recorded.add(r.payload().substring(from, r.payload().indexOf('\'', from)));
            }
          });
    }
    assertThat(recorded).as("a record for every row").containsAll(rows);

    String[] verify = Cli.run("audit", "verify", "--config", configs[1].toString());
    assertThat(verify[0]).as(verify[1] + verify[2]).isEqualTo("0");
    assertThat(verify[1]).contains("audit trail intact");
  }

  static Connection connect(int port, String key) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "loader");
    props.setProperty("password", key);
    props.setProperty("sslmode", "require");
    props.setProperty("preferQueryMode", "simple");
    props.setProperty("socketTimeout", "30");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/test", props);
  }

  static void awaitSession(int port, String key) throws Exception {
    SQLException last = null;
    for (int i = 0; i < 150; i++) {
      try (Connection c = connect(port, key)) {
        return;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new AssertionError("replica on port " + port + " did not start", last);
  }
}
