package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.StoreAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Nothing takes effect before its record is durable, with a store that hangs (a relay in front of
 * the PostgreSQL audit store holds every byte): a write and a read calling a volatile function
 * (nextval) do not run while their records are pending; a read the analysis proves free of effects
 * is forwarded at once, and its result reaches the client only once its record is durable. When the
 * store answers again, all three complete, in order, with correct results.
 */
class AuditStallIT {
  /**
   * Reads and inserts on public; nextval, a volatile function with an effect one can see, is
   * allowed in reads (as random() is by default).
   */
  static final String POLICY =
      """
      {"version": 1, "volatileFunctions": ["nextval"], "grants": [{"id": "agent", "roles": ["agent"], "connections": ["test"],
        "allow": [{"id": "agent.read", "classes": ["READ"], "objects": ["public.*"]},
                  {"id": "agent.insert", "classes": ["WRITE"], "verbs": ["INSERT"], "objects": ["public.*"]},
                  {"id": "agent.session", "classes": ["SESSION", "TRANSACTION"]}]}]}
      """;

  @Test
  void writesAndVolatileReadsWaitForTheRecordAndFreeReadsOverlapIt() throws Exception {
    try (Connection admin = GatewayFixture.direct();
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS warden_audit_stall WITH (FORCE)");
      s.execute("CREATE DATABASE warden_audit_stall");
      s.execute("DROP TABLE IF EXISTS public.audit_stall");
      s.execute("CREATE TABLE public.audit_stall (phase text)");
      s.execute("DROP SEQUENCE IF EXISTS public.audit_stall_seq");
      s.execute("CREATE SEQUENCE public.audit_stall_seq");
    }
    Path dir = Files.createTempDirectory("warden-audit-stall");
    try (TcpGate gate = new TcpGate(GatewayFixture.PG_PORT)) {
      AuditStore store =
          AuditStore.postgresql(
              "jdbc:postgresql://127.0.0.1:" + gate.port() + "/warden_audit_stall",
              "postgres",
              null);
      StoreAuditLog log =
          new StoreAuditLog(
              store,
              AuditKeys.loadOrCreate(dir.resolve("audit-signing.key")),
              Clock.systemUTC(),
              1000,
              Duration.ofSeconds(10));
      ExecutorService clients = Executors.newFixedThreadPool(3);
      Path policy = dir.resolve("policy.json");
      Files.writeString(policy, POLICY);
      try (GatewayFixture fixture =
              GatewayFixture.start(
                  Map.of(),
                  "audit: {timeout: 60s}\npolicy: {file: \"" + policy + "\"}\n",
                  "  roles:\n    - {role: agent, match: {subject: agent}}\n",
                  log);
          Connection writer = fixture.connectIn("simple");
          Connection volatileReader = fixture.connectIn("extended");
          Connection reader = fixture.connectIn("simple")) {
        // Sessions are open and recorded; now the store hangs. One thread per client: the common
        // pool may have a single worker, which the blocked write would take.
        gate.pause();
        CompletableFuture<Integer> write =
            CompletableFuture.supplyAsync(
                () ->
                    update(
                        writer,
                        "INSERT INTO public.audit_stall VALUES ('stalled') -- stall_write"));
        CompletableFuture<String> volatileRead =
            CompletableFuture.supplyAsync(
                () ->
                    single(
                        volatileReader,
                        "SELECT nextval('public.audit_stall_seq') AS stall_volatile"),
                clients);
        CompletableFuture<String> read =
            CompletableFuture.supplyAsync(
                () -> single(reader, "SELECT count(*) AS stall_free FROM public.audit_stall"),
                clients);

        // The free read reaches the database while its record is pending...
        boolean seenFree = waitForStatementSeen("stall_free");
        assertThat(seenFree)
            .as("the effect-free read is forwarded while its record is pending")
            .isTrue();
        // ...give the other two every chance to be (wrongly) forwarded too.
        Thread.sleep(1500);
        assertThat(statementSeen("stall_write")).as("the write reached the database").isFalse();
        // (Extended protocol: the Parse is forwarded, the Execute waits; pg_stat_activity would
        // show the Parse's text, so the sequence tells whether it ran.)
        assertThat(sequenceCalled()).as("the volatile-function read ran").isFalse();
        assertThat(rows()).as("rows written while the record was pending").isEmpty();
        assertThat(read).as("the free read's result was released before its record").isNotDone();
        assertThat(write).isNotDone();
        assertThat(volatileRead).isNotDone();

        gate.resume();
        assertThat(read.get(60, TimeUnit.SECONDS)).isEqualTo("0");
        assertThat(write.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(volatileRead.get(60, TimeUnit.SECONDS)).isEqualTo("1");
        assertThat(rows()).containsExactly("stalled");
      } finally {
        gate.resume();
        clients.shutdownNow();
        log.close();
        store.close();
      }
    }
  }

  private static int update(Connection c, String sql) {
    try (Statement s = c.createStatement()) {
      return s.executeUpdate(sql);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String single(Connection c, String sql) {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a backend of the test database has run (or runs) a statement naming {@code mark}. */
  private static boolean statementSeen(String mark) throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
                    + " AND query LIKE '%"
                    + mark
                    + "%' AND query NOT LIKE '%pg_stat_activity%'")) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }

  private static boolean waitForStatementSeen(String mark) throws Exception {
    for (int i = 0; i < 200; i++) {
      if (statementSeen(mark)) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  private static boolean sequenceCalled() throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT is_called FROM public.audit_stall_seq")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private static List<String> rows() throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs = s.executeQuery("SELECT phase FROM public.audit_stall")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }
}
