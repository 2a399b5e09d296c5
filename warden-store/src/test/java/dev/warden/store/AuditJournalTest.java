package dev.warden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.audit.AuditEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The journal in front of the embedded store: what was appended (and acknowledged) before a crash
 * is in the store the next time it opens, on one verified chain; a torn last frame is dropped; a
 * journal that does not link to the store is refused; a journal a gateway holds is left alone.
 */
class AuditJournalTest {
  Path dir;
  Path db;
  Path journalFile;
  AuditKeys keys;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("warden-journal-test");
    db = dir.resolve("audit.db");
    journalFile = AuditJournal.beside(db);
    keys = AuditKeys.loadOrCreate(dir.resolve("audit-signing.key"));
  }

  static List<AuditRecord.Draft> drafts(int from, int to) {
    List<AuditRecord.Draft> drafts = new ArrayList<>();
    for (int i = from; i < to; i++) {
      drafts.add(AuditStoreContract.draft(i));
    }
    return drafts;
  }

  /**
   * The gateway's audit log on {@code store} through {@code journal} (a checkpoint every 1,000
   * records or 10 s); {@code idlePark}: how long its writer sleeps with nothing to do.
   */
  StoreAuditLog logThrough(AuditStore store, AuditJournal journal, Duration idlePark) {
    return new StoreAuditLog(
        store, keys, Clock.systemUTC(), 1000, Duration.ofSeconds(10), null, journal, idlePark);
  }

  /** Appends records linked after the store's head to the journal, as a gateway would. */
  List<AuditRecord> journalAfterHead(AuditStore store, int from, int to) throws Exception {
    List<AuditRecord> linked = AuditStore.link(store.chainHead(), drafts(from, to));
    try (AuditJournal journal = AuditJournal.open(journalFile, true)) {
      journal.append(linked);
    }
    return linked;
  }

  @Test
  void whatTheJournalHeldIsInTheStoreWhenItOpensAgainOnOneVerifiedChain() throws Exception {
    try (AuditStore store = AuditStore.sqlite(db)) {
      store.append(drafts(0, 5));
      journalAfterHead(store, 5, 12); // the gateway "dies" before moving them
      assertThat(store.head().seq()).isEqualTo(5);
    }
    try (AuditStore store = AuditStore.sqlite(db)) {
      assertThat(store.head().seq()).isEqualTo(12);
      assertThat(store.read(6, 100).getFirst().payload())
          .isEqualTo(drafts(5, 6).getFirst().payload());
      ChainVerifier.Report report = ChainVerifier.verify(store, List.of(keys.publicKey()));
      assertThat(report.ok()).as(report.problem()).isTrue();
      assertThat(report.records()).isEqualTo(12);
    }
    assertThat(Files.size(journalFile)).as("the journal is emptied once moved").isZero();
  }

  @Test
  void aTornLastFrameIsDroppedAndWhatPrecedesItKept() throws Exception {
    List<AuditRecord> written;
    try (AuditStore store = AuditStore.sqlite(db)) {
      written = journalAfterHead(store, 0, 3);
    }
    int end = AuditJournal.encode(written).limit();
    try (FileChannel channel = FileChannel.open(journalFile, StandardOpenOption.WRITE)) {
      // The crash cut the last frame's write short: its tail never reached the disk.
      channel.write(ByteBuffer.allocate(10), end - 10);
    }
    try (AuditStore store = AuditStore.sqlite(db)) {
      assertThat(store.head().seq()).isEqualTo(2);
    }
  }

  @Test
  void aJournalThatDoesNotLinkToTheStoreIsRefusedAndKept() throws Exception {
    try (AuditStore store = AuditStore.sqlite(db)) {
      store.append(drafts(0, 3));
    }
    // Records chained from genesis (another trail's, or a forged one) do not follow record 3.
    List<AuditRecord> forged =
        AuditStore.link(new Checkpoint(3, Chain.GENESIS, 0, "", ""), drafts(3, 5));
    try (AuditJournal journal = AuditJournal.open(journalFile, true)) {
      journal.append(forged);
    }
    assertThatThrownBy(() -> AuditStore.sqlite(db))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining("does not link to the store's head 3");
    assertThat(Files.size(journalFile)).as("kept for an operator to look at").isPositive();
  }

  @Test
  void aJournalAGatewayHoldsIsLeftAlone() throws Exception {
    List<AuditRecord> linked;
    try (AuditStore store = AuditStore.sqlite(db)) {
      linked = AuditStore.link(store.chainHead(), drafts(0, 4));
    }
    try (AuditJournal held = AuditJournal.open(journalFile, true)) {
      held.append(linked);
      try (AuditStore reader = AuditStore.sqlite(db)) {
        assertThat(reader.head().seq()).as("not moved under a running gateway").isZero();
      }
      assertThatThrownBy(() -> AuditJournal.open(journalFile, true))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("in use");
    }
    try (AuditStore store = AuditStore.sqlite(db)) {
      assertThat(store.head().seq()).isEqualTo(4);
    }
  }

  @Test
  void aReaderInTheSameProcessDoesNotDropTheGatewaysLock() throws Exception {
    try (AuditJournal held = AuditJournal.open(journalFile, true)) {
      try (AuditStore reader = AuditStore.sqlite(db)) {
        assertThat(reader.head().seq()).isZero();
      }
      // POSIX record locks belong to the process: had the reader opened and closed a channel on
      // the journal, another process could now take it (and replay under a running gateway).
      assertThat(lockableByAnotherProcess()).isFalse();
    }
    assertThat(lockableByAnotherProcess()).isTrue();
  }

  private boolean lockableByAnotherProcess() throws Exception {
    Process p =
        new ProcessBuilder(
                "python3",
                "-c",
                "import fcntl,sys; f=open(sys.argv[1],'r+'); fcntl.lockf(f, fcntl.LOCK_EX |"
                    + " fcntl.LOCK_NB)",
                journalFile.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue() == 0;
  }

  @Test
  void theLogIsDurableThroughTheJournalAndTheStoreCatchesUpWithACheckpoint() throws Exception {
    AuditStore store = AuditStore.sqlite(db);
    List<CompletableFuture<Void>> durable = new ArrayList<>();
    try (StoreAuditLog log =
        logThrough(store, AuditJournal.open(journalFile, true), Duration.ofMillis(200))) {
      for (int i = 0; i < 300; i++) {
        durable.add(
            log.appendDurably(
                new AuditEvent.AuthenticationFailed(Instant.now(), "127.0.0.1", "u" + i, "r")));
      }
      CompletableFuture.allOf(durable.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      // Durable in the journal at once; in the store once the queue pauses.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (store.head().seq() < 300 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(store.head().seq()).isEqualTo(300);
    }
    assertThat(AuditJournal.recover(journalFile, store)).as("nothing left to move").isZero();
    ChainVerifier.Report report = ChainVerifier.verify(store, List.of(keys.publicKey()));
    assertThat(report.ok()).as(report.problem()).isTrue();
    assertThat(store.checkpoints().getLast().seq()).isEqualTo(300);
    store.close();
  }

  @Test
  void recordsNobodyWaitsForRideWithTheNextDurableBatchNotAnFsyncOfTheirOwn() throws Exception {
    AuditStore store = AuditStore.sqlite(db);
    AuditJournal journal = AuditJournal.open(journalFile, true);
    int statements = 100;
    try (StoreAuditLog log = logThrough(store, journal, Duration.ofMillis(200))) {
      for (int i = 0; i < statements; i++) {
        // A statement's record is awaited; its outcome, written after the fact, is not; then the
        // client's round trip before its next statement.
        log.appendDurably(
                new AuditEvent.AuthenticationFailed(Instant.now(), "127.0.0.1", "s" + i, "r"))
            .get(10, TimeUnit.SECONDS);
        log.append(new AuditEvent.AuthenticationFailed(Instant.now(), "127.0.0.1", "o" + i, "r"));
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(300));
      }
      // The last outcome, with no statement after it, is written all the same.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (store.head().seq() < 2L * statements && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(store.head().seq()).isEqualTo(2L * statements);
    }
    // One fsync per statement: each outcome rode with the next statement's record. When every
    // outcome woke the writer it had an fsync of its own, about two per statement.
    assertThat(journal.forces()).isBetween((long) statements, statements + 2L);
    ChainVerifier.Report report = ChainVerifier.verify(store, List.of(keys.publicKey()));
    assertThat(report.ok()).as(report.problem()).isTrue();
    store.close();
  }

  @Test
  void aRecordNobodyWaitsForWakesAnIdleWriterAllTheSame() throws Exception {
    AuditStore store = AuditStore.sqlite(db);
    // An idle writer that would otherwise sleep a minute: the record must not wait for it.
    try (StoreAuditLog log =
        logThrough(store, AuditJournal.open(journalFile, true), Duration.ofMinutes(1))) {
      Thread.sleep(300);
      log.append(new AuditEvent.AuthenticationFailed(Instant.now(), "127.0.0.1", "late", "r"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (store.head().seq() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(store.head().seq()).isEqualTo(1);
    }
    store.close();
  }

  @Test
  void anOlderRoundPastTheCurrentOnesEndIsNotReplayed() throws Exception {
    try (AuditStore store = AuditStore.sqlite(db)) {
      try (AuditJournal journal = AuditJournal.open(journalFile, true)) {
        List<AuditRecord> first = AuditStore.link(store.chainHead(), drafts(0, 6));
        journal.append(first);
        store.ingest(first);
        journal.clear(); // the next round overwrites from the front
        journal.append(AuditStore.link(store.chainHead(), drafts(6, 8)));
        // the gateway dies: records 7 and 8 only in the journal, 3 to 6 of the old round after them
      }
      assertThat(store.head().seq()).isEqualTo(6);
    }
    try (AuditStore store = AuditStore.sqlite(db)) {
      assertThat(store.head().seq()).isEqualTo(8);
      ChainVerifier.Report report = ChainVerifier.verify(store, List.of(keys.publicKey()));
      assertThat(report.ok()).as(report.problem()).isTrue();
    }
  }

  @Test
  void framesRoundTrip() throws Exception {
    List<AuditRecord> linked =
        AuditStore.link(
            new Checkpoint(0, Chain.GENESIS, 0, "", ""),
            List.of(
                new AuditRecord.Draft(1, "session.end", null, null, null, "{\"ü\":\"∑\"}"),
                AuditStoreContract.draft(1)));
    ByteBuffer frames = AuditJournal.encode(linked);
    Path file = dir.resolve("frames");
    Files.write(file, frames.array());
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      assertThat(AuditJournal.read(channel)).isEqualTo(linked);
    }
  }
}
