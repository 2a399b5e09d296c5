package dev.warden.store;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail in the store, with group commit: events queue up, one writer thread takes
 * whatever has queued (up to {@link #MAX_BATCH}) and appends it in one transaction, then completes
 * every waiter. Only an event somebody waits for ({@link #appendDurably}: a statement's record)
 * wakes the writer; the others (a statement's outcome, a session's end) ride with the next such
 * batch, or are written on their own {@link #LAZY_MILLIS} after they were queued (one wakes an idle
 * writer) — so an outcome costs no commit of its own, and the next statement of a session does not
 * wait behind one. With a journal (the embedded store), a batch is durable once it is appended to
 * the journal and fsynced; the store takes the journal's records in large batches when the queue
 * pauses, {@link #INGEST_BATCH} wait, or the oldest has waited a second, so a SQLite commit is paid
 * per thousands of records, not per batch. A store that fails a batch fails its waiters (their
 * statements are refused) and is tried again with the next one: the gateway recovers by itself when
 * the store returns. The chain's head is signed into a checkpoint every {@code checkpointRecords}
 * records or {@code checkpointInterval}, and on close.
 */
public final class StoreAuditLog implements AuditLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreAuditLog.class);
  static final int MAX_BATCH = 2048;
  static final int INGEST_BATCH = 8192;

  /** How long the queue must stay empty before journaled records move into the store. */
  private static final long INGEST_IDLE_MILLIS = 10;

  /** How long a journaled record may wait for the store under a load that never pauses. */
  private static final long INGEST_MAX_AGE_MILLIS = 1000;

  /** How long an event nobody waits for may wait for a batch to ride with. */
  static final long LAZY_MILLIS = 5;

  private static final int QUEUE = 65_536;

  /** How long the writer sleeps with nothing to do (checkpoints are due on its waking). */
  private static final Duration IDLE_PARK = Duration.ofMillis(200);

  private final long idleParkNanos;

  /**
   * An event waiting for the writer, which encodes it (JSON, scrubbing): off the event loop. {@code
   * awaited}: somebody waits for its durability (it wakes the writer).
   */
  private record Pending(
      AuditEvent event, CompletableFuture<Void> durable, boolean awaited, long queuedNanos) {}

  private final AuditStore store;
  private final AuditLog also;
  private final AuditKeys keys;
  private final Clock clock;
  private final AuditCodec codec = new AuditCodec();
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final Thread writer;
  private final int checkpointRecords;
  private final long checkpointIntervalMillis;
  private volatile boolean running = true;

  /**
   * Whether the writer is in its long idle park, which an event nobody waits for ends too (read
   * after the event is queued, set before the writer's last look at the queue: never missed).
   */
  private volatile boolean sleeping;

  private volatile boolean healthy = true;
  private long sinceCheckpoint;
  private long lastCheckpointMillis;
  private AuditRecord lastWritten;
  private final AuditJournal journal;
  private final List<AuditRecord> journaled = new ArrayList<>();
  private Checkpoint head;
  private long ingestRetryAtMillis;
  private long journaledSinceMillis;

  public StoreAuditLog(
      AuditStore store,
      AuditKeys keys,
      Clock clock,
      int checkpointRecords,
      Duration checkpointInterval) {
    this(store, keys, clock, checkpointRecords, checkpointInterval, null);
  }

  /** As above, every event also going to {@code also} (the structured log, say) as it arrives. */
  public StoreAuditLog(
      AuditStore store,
      AuditKeys keys,
      Clock clock,
      int checkpointRecords,
      Duration checkpointInterval,
      AuditLog also) {
    this(store, keys, clock, checkpointRecords, checkpointInterval, also, null);
  }

  /**
   * As above, durable through {@code journal} (opened on the store's journal file, which the store
   * has recovered): records reach the store from it in large batches.
   */
  public StoreAuditLog(
      AuditStore store,
      AuditKeys keys,
      Clock clock,
      int checkpointRecords,
      Duration checkpointInterval,
      AuditLog also,
      AuditJournal journal) {
    this(store, keys, clock, checkpointRecords, checkpointInterval, also, journal, IDLE_PARK);
  }

  /** As above; {@code idlePark}: how long the writer sleeps with nothing to do (tests). */
  StoreAuditLog(
      AuditStore store,
      AuditKeys keys,
      Clock clock,
      int checkpointRecords,
      Duration checkpointInterval,
      AuditLog also,
      AuditJournal journal,
      Duration idlePark) {
    this.idleParkNanos = idlePark.toNanos();
    this.journal = journal;
    this.also = also;
    this.store = store;
    this.keys = keys;
    this.clock = clock;
    this.checkpointRecords = checkpointRecords;
    this.checkpointIntervalMillis = checkpointInterval.toMillis();
    this.lastCheckpointMillis = clock.millis();
    this.writer = Thread.ofPlatform().name("warden-audit-writer").daemon().start(this::run);
  }

  @Override
  public void append(AuditEvent event) {
    enqueue(event, false)
        .exceptionally(
            e -> {
              LOG.debug("audit record not written: {}", e.getMessage());
              return null;
            });
  }

  @Override
  public CompletableFuture<Void> appendDurably(AuditEvent event) {
    return enqueue(event, true);
  }

  private CompletableFuture<Void> enqueue(AuditEvent event, boolean awaited) {
    if (also != null) {
      also.append(event);
    }
    CompletableFuture<Void> durable = new CompletableFuture<>();
    if (!running) {
      durable.completeExceptionally(new StoreUnavailableException("the audit log is closed", null));
      return durable;
    }
    if (queued.incrementAndGet() > QUEUE) {
      queued.decrementAndGet();
      durable.completeExceptionally(
          new StoreUnavailableException(
              "the audit store " + store.description() + " is not keeping up (queue full)", null));
      return durable;
    }
    queue.offer(new Pending(event, durable, awaited, System.nanoTime()));
    if (awaited || sleeping) {
      // A permit if the writer is not parked yet: its next park returns at once, never lost.
      LockSupport.unpark(writer);
    }
    return durable;
  }

  @Override
  public boolean writeAhead() {
    return true;
  }

  /** Whether the last batch reached the store. */
  @Override
  public boolean healthy() {
    return healthy;
  }

  public AuditStore store() {
    return store;
  }

  /** The public key of the checkpoints this log signs. */
  public java.security.PublicKey publicKey() {
    return keys.publicKey();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    boolean awaited = false;
    long lazySince = 0;
    long lastBatch = System.nanoTime();
    while (running || !queue.isEmpty() || !batch.isEmpty()) {
      try {
        for (Pending p; batch.size() < MAX_BATCH && (p = queue.poll()) != null; ) {
          queued.decrementAndGet();
          if (batch.isEmpty()) {
            lazySince = p.queuedNanos();
          }
          batch.add(p);
          awaited |= p.awaited();
        }
        long lazyLeft =
            batch.isEmpty()
                ? 0
                : TimeUnit.MILLISECONDS.toNanos(LAZY_MILLIS) - (System.nanoTime() - lazySince);
        if (awaited || batch.size() >= MAX_BATCH || lazyLeft <= 0 && !batch.isEmpty() || !running) {
          if (!batch.isEmpty()) {
            if (journal == null) {
              write(batch);
            } else {
              journal(batch, awaited);
            }
          }
          batch.clear();
          awaited = false;
          lastBatch = System.nanoTime();
          if (journaled.size() >= INGEST_BATCH
              || !journaled.isEmpty()
                  && clock.millis() - journaledSinceMillis >= INGEST_MAX_AGE_MILLIS) {
            ingest();
          }
          maybeCheckpoint(false);
          continue;
        }
        if (Thread.currentThread().isInterrupted()) {
          break;
        }
        if (!queue.isEmpty()) {
          continue;
        }
        if (!batch.isEmpty()) {
          LockSupport.parkNanos(this, lazyLeft);
        } else if (journaled.isEmpty()) {
          sleeping = true;
          if (queue.isEmpty()) {
            LockSupport.parkNanos(this, idleParkNanos);
          }
          sleeping = false;
          if (queue.isEmpty()) {
            maybeCheckpoint(false);
          }
        } else {
          // Timed from the last batch: a park may return early (a permit left by an event
          // already taken), and a move into the store is not to be paid between two statements.
          long idleLeft =
              TimeUnit.MILLISECONDS.toNanos(INGEST_IDLE_MILLIS) - (System.nanoTime() - lastBatch);
          if (idleLeft > 0) {
            LockSupport.parkNanos(this, idleLeft);
          } else {
            ingest();
            maybeCheckpoint(false);
            if (!journaled.isEmpty()) {
              // The store refused them: they wait in the journal for the next try.
              LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(INGEST_IDLE_MILLIS));
            }
          }
        }
      } catch (RuntimeException | AssertionError e) {
        LOG.error("audit writer: {}", e.toString());
        batch.forEach(p -> p.durable().completeExceptionally(e));
        batch.clear();
        awaited = false;
      }
    }
    ingest();
    maybeCheckpoint(true);
  }

  /**
   * Chains the batch after the journal's head, appends it to the journal; durable at return when
   * {@code awaited} (somebody waits for one of its records), else written and made durable by the
   * next batch's fsync (or the store's commit at ingest).
   */
  private void journal(List<Pending> batch, boolean awaited) {
    List<AuditRecord.Draft> drafts = drafts(batch);
    if (batch.isEmpty()) {
      return;
    }
    try {
      if (head == null) {
        head = store.chainHead();
      }
      List<AuditRecord> linked = AuditStore.link(head, drafts);
      journal.append(linked, awaited);
      head = headOf(linked.getLast());
      if (journaled.isEmpty()) {
        journaledSinceMillis = clock.millis();
      }
      journaled.addAll(linked);
      if (!healthy) {
        LOG.info("the audit journal {} accepts records again", journal.file());
      }
      healthy = true;
      for (Pending p : batch) {
        p.durable().complete(null);
      }
    } catch (Exception | AssertionError e) {
      failed(batch, e);
    }
  }

  /**
   * Moves journaled records into the store in one transaction, then empties the journal. A store
   * that fails keeps them in the journal (durable there) and is tried again a second later.
   */
  private void ingest() {
    if (journaled.isEmpty() || clock.millis() < ingestRetryAtMillis) {
      return;
    }
    try {
      store.ingest(journaled);
      journal.clear();
      lastWritten = journaled.getLast();
      sinceCheckpoint += journaled.size();
      journaled.clear();
    } catch (Exception | AssertionError e) {
      ingestRetryAtMillis = clock.millis() + 1000;
      LOG.error(
          "the audit store {} does not take the journal's {} record(s) ({}); they stay durable in"
              + " {}",
          store.description(),
          journaled.size(),
          e.getMessage(),
          journal.file());
    }
  }

  /**
   * The batch's records, encoded here on the writer thread; an event that cannot be encoded (a bug)
   * fails alone and leaves the batch.
   */
  private List<AuditRecord.Draft> drafts(List<Pending> batch) {
    List<AuditRecord.Draft> drafts = new ArrayList<>(batch.size());
    for (java.util.Iterator<Pending> it = batch.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      try {
        drafts.add(codec.draft(p.event()));
      } catch (RuntimeException e) {
        LOG.error("audit event not encoded: {}", e.toString());
        p.durable().completeExceptionally(e);
        it.remove();
      }
    }
    return drafts;
  }

  private void write(List<Pending> batch) {
    List<AuditRecord.Draft> drafts = drafts(batch);
    if (batch.isEmpty()) {
      return;
    }
    try {
      List<AuditRecord> stored = store.append(drafts);
      if (!healthy) {
        LOG.info("the audit store {} accepts records again", store.description());
      }
      healthy = true;
      lastWritten = stored.getLast();
      sinceCheckpoint += stored.size();
      for (Pending p : batch) {
        p.durable().complete(null);
      }
    } catch (Exception | AssertionError e) {
      failed(batch, e);
    }
  }

  private void failed(List<Pending> batch, Throwable e) {
    // Whatever a driver throws for a broken store (pgJDBC raises an AssertionError under -ea when
    // the socket dies mid-batch) fails this batch only: the writer thread must live on, or the
    // gateway would refuse every statement until restarted.
    if (healthy) {
      LOG.error(
          "the audit store {} does not accept records ({}); statements are refused until it does",
          store.description(),
          e.getMessage());
    }
    healthy = false;
    StoreUnavailableException failure =
        new StoreUnavailableException(
            "the audit store " + store.description() + " does not accept records", e);
    for (Pending p : batch) {
      p.durable().completeExceptionally(failure);
    }
  }

  private static Checkpoint headOf(AuditRecord r) {
    return new Checkpoint(r.seq(), r.hash(), 0, "", "");
  }

  private void maybeCheckpoint(boolean force) {
    if (lastWritten == null || sinceCheckpoint == 0) {
      return;
    }
    long now = clock.millis();
    if (!force
        && sinceCheckpoint < checkpointRecords
        && now - lastCheckpointMillis < checkpointIntervalMillis) {
      return;
    }
    try {
      store.saveCheckpoint(keys.sign(lastWritten.seq(), lastWritten.hash(), now));
      sinceCheckpoint = 0;
      lastCheckpointMillis = now;
    } catch (Exception e) {
      LOG.warn("audit checkpoint not written: {}", e.getMessage());
    }
  }

  /** Writes what is queued, signs a last checkpoint, and stops the writer. */
  @Override
  public void close() {
    running = false; // the writer drains the queue and stops
    LockSupport.unpark(writer);
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (journal != null) {
      try {
        journal.close();
      } catch (java.io.IOException e) {
        LOG.warn("audit journal not closed: {}", e.getMessage());
      }
    }
  }
}
