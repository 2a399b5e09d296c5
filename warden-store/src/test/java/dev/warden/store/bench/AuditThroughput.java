package dev.warden.store.bench;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.identity.Identity;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.Limits;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.store.AuditJournal;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.ChainVerifier;
import dev.warden.store.StoreAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable audit records per second through group commit: {@code writers} concurrent sessions, each
 * appending statement records and waiting for each to be durable before the next (as a statement
 * waits before it runs), {@code records} in all. Prints records/s, the mean batch, and whether the
 * chain verifies.
 *
 * <p>Arguments: {@code store} (sqlite | jdbc:postgresql://… URL), {@code writers}, {@code records},
 * {@code full} (default: every commit fsynced) or {@code normal}.
 */
public final class AuditThroughput {
  public static void main(String[] args) throws Exception {
    String where = args.length > 0 ? args[0] : "sqlite";
    int writers = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    int records = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
    boolean fsync = args.length <= 3 || !args[3].equals("normal");
    Path dir = Files.createTempDirectory("warden-audit-bench");
    AuditStore store =
        where.equals("sqlite")
            ? AuditStore.sqlite(dir.resolve("audit.db"), fsync)
            : AuditStore.postgresql(where, null, null, fsync);
    AuditKeys keys = AuditKeys.loadOrCreate(dir.resolve("audit-signing.key"));
    SessionContext session =
        new SessionContext(
            "bench-session",
            new Identity("agent", "https://issuer.example", Set.of("code-assistant"), Map.of()),
            Set.of("agent"),
            "shop",
            "127.0.0.1:5000",
            "bench");
    Statement statement =
        new Statement("UPDATE orders SET status = 'shipped' WHERE id = 42", StatementClass.WRITE);
    Decision allow = new Decision.Allow("agent.write", Limits.NONE);
    long base = store.head().seq();
    // As the gateway runs it: the embedded store durable through its journal.
    AuditJournal journal =
        where.equals("sqlite")
            ? AuditJournal.open(AuditJournal.beside(dir.resolve("audit.db")), fsync)
            : null;
    int warmUp = Math.min(records / 10, 20_000);
    try (StoreAuditLog log =
        new StoreAuditLog(
            store, keys, Clock.systemUTC(), 10_000, Duration.ofSeconds(10), null, journal)) {
      // Warm-up: the JIT and the pool.
      run(log, session, statement, allow, writers, warmUp);
      long start = System.nanoTime();
      run(log, session, statement, allow, writers, records);
      double seconds = (System.nanoTime() - start) / 1e9;
      String name = journal == null ? store.description() : "sqlite+journal";
      System.out.printf(
          "%s: %d durable records in %.2f s = %,.0f records/s (%d concurrent writers; a"
              + " writer waits %.0f us per record)%n",
          name + (fsync ? " (sync full)" : " (sync normal)"),
          records,
          seconds,
          records / seconds,
          writers,
          seconds * 1e6 * writers / records);
    }
    System.out.printf("records stored: %d%n", store.head().seq() - base - warmUp);
    ChainVerifier.Report report = ChainVerifier.verify(store, List.of(keys.publicKey()));
    System.out.printf(
        "chain verifies: %s (%d records from %d)%n", report.ok(), report.records(), base + 1);
    store.close();
  }

  private static void run(
      StoreAuditLog log,
      SessionContext session,
      Statement statement,
      Decision allow,
      int writers,
      int records)
      throws InterruptedException {
    AtomicLong next = new AtomicLong();
    CountDownLatch done = new CountDownLatch(writers);
    for (int w = 0; w < writers; w++) {
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  long i;
                  while ((i = next.getAndIncrement()) < records) {
                    log.appendDurably(
                            new AuditEvent.StatementDecided(
                                Instant.now(), session, i, statement, allow))
                        .join();
                  }
                } finally {
                  done.countDown();
                }
              });
    }
    done.await();
  }
}
