package dev.warden.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every audit store must do, run against each (SQLite here, PostgreSQL in the IT): keep the
 * chain, keep every record of concurrent writers, and let verification name the first record that
 * was edited, deleted, swapped or rewritten.
 */
abstract class AuditStoreContract {
  AuditStore store;
  AuditKeys keys;
  Path dir;

  /** A store over an empty database. */
  abstract AuditStore openEmpty() throws Exception;

  @BeforeEach
  void open() throws Exception {
    dir = Files.createTempDirectory("warden-audit-test");
    keys = AuditKeys.loadOrCreate(dir.resolve("audit-signing.key"));
    store = openEmpty();
  }

  @AfterEach
  void close() {
    store.close();
  }

  static AuditRecord.Draft draft(int i) {
    return new AuditRecord.Draft(
        1_700_000_000_000L + i,
        "statement",
        "s" + (i % 3),
        "agent",
        "shop",
        "{\"v\":1,\"n\":" + i + "}");
  }

  ChainVerifier.Report verify() throws Exception {
    return ChainVerifier.verify(store, List.of(keys.publicKey()));
  }

  void append(int from, int to) throws Exception {
    List<AuditRecord.Draft> drafts = new ArrayList<>();
    for (int i = from; i < to; i++) {
      drafts.add(draft(i));
    }
    store.append(drafts);
  }

  void sql(String sql, Object... args) throws Exception {
    try (Connection c = store.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.executeUpdate();
    }
  }

  @Test
  void appendedBatchesFormOneChain() throws Exception {
    append(0, 10);
    append(10, 11);
    append(11, 50);
    List<AuditRecord> records = store.read(1, 100);
    assertThat(records).hasSize(50);
    assertThat(records.getFirst().prevHash()).isEqualTo(Chain.GENESIS);
    for (int i = 0; i < records.size(); i++) {
      assertThat(records.get(i).seq()).isEqualTo(i + 1);
      assertThat(records.get(i).payload()).isEqualTo(draft(i).payload());
      if (i > 0) {
        assertThat(records.get(i).prevHash()).isEqualTo(records.get(i - 1).hash());
      }
    }
    assertThat(store.session("s1")).hasSize(17).allMatch(r -> r.sessionId().equals("s1"));
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).as(report.problem()).isTrue();
    assertThat(report.records()).isEqualTo(50);
  }

  @Test
  void concurrentWritersThroughGroupCommitLoseNothing() throws Exception {
    int threads = 8;
    int each = 500;
    try (StoreAuditLog log =
            new StoreAuditLog(store, keys, Clock.systemUTC(), 1000, Duration.ofSeconds(10));
        ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<CompletableFuture<Void>> all = new java.util.concurrent.CopyOnWriteArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        pool.submit(
            () -> {
              for (int i = 0; i < each; i++) {
                all.add(
                    log.appendDurably(
                        new dev.warden.core.audit.AuditEvent.AuthenticationFailed(
                            java.time.Instant.now(), "127.0.0.1", "t" + thread, "n" + i)));
              }
            });
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    assertThat(store.head().seq()).isEqualTo(threads * each);
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).as(report.problem()).isTrue();
    assertThat(report.checkpoints()).isGreaterThanOrEqualTo(1);
    assertThat(store.checkpoints().getLast().seq()).isEqualTo(threads * each);
  }

  @Test
  void anEditedRecordIsNamed() throws Exception {
    append(0, 20);
    sql("UPDATE audit_record SET payload = ? WHERE seq = 7", "{\"v\":1,\"n\":999}");
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).isFalse();
    assertThat(report.position()).isEqualTo(7);
    assertThat(report.problem()).contains("record 7 was edited");
  }

  @Test
  void aDeletedRecordIsNamed() throws Exception {
    append(0, 20);
    sql("DELETE FROM audit_record WHERE seq = 12");
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).isFalse();
    assertThat(report.position()).isEqualTo(12);
    assertThat(report.problem()).contains("record 12 is missing");
  }

  @Test
  void swappedRecordsAreNamed() throws Exception {
    append(0, 20);
    List<AuditRecord> r = store.read(5, 2);
    // Swap records 5 and 6 whole (content, links and hashes): each is intact on its own.
    for (int k = 0; k < 2; k++) {
      AuditRecord from = r.get(1 - k);
      sql(
          "UPDATE audit_record SET at_ms = ?, kind = ?, session_id = ?, identity = ?,"
              + " connection_name = ?, payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
          from.atMillis(),
          from.kind(),
          from.sessionId(),
          from.identity(),
          from.connection(),
          from.payload(),
          from.prevHash(),
          from.hash(),
          5L + k);
    }
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).isFalse();
    assertThat(report.position()).isEqualTo(5);
  }

  @Test
  void aChainRewrittenFromAnEditIsCaughtByTheSignedCheckpoint() throws Exception {
    append(0, 20);
    AuditRecord head = store.read(20, 1).getFirst();
    store.saveCheckpoint(keys.sign(head.seq(), head.hash(), System.currentTimeMillis()));
    // The attacker edits record 10 and recomputes every hash after it: the links all hold.
    List<AuditRecord> records = store.read(1, 100);
    String prev = records.get(8).hash();
    for (AuditRecord r : records.subList(9, 20)) {
      AuditRecord.Draft d = r.draft();
      if (r.seq() == 10) {
        d =
            new AuditRecord.Draft(
                d.atMillis(),
                d.kind(),
                d.sessionId(),
                d.identity(),
                d.connection(),
                "{\"v\":1,\"n\":-1}");
      }
      String hash = Chain.hash(prev, r.seq(), d);
      sql(
          "UPDATE audit_record SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?",
          d.payload(),
          prev,
          hash,
          r.seq());
      prev = hash;
    }
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).isFalse();
    assertThat(report.position()).isEqualTo(20);
    assertThat(report.problem()).contains("signed checkpoint");
  }

  @Test
  void recordsDeletedFromTheEndAreCaughtByTheSignedCheckpoint() throws Exception {
    append(0, 20);
    AuditRecord head = store.read(20, 1).getFirst();
    store.saveCheckpoint(keys.sign(head.seq(), head.hash(), System.currentTimeMillis()));
    sql("DELETE FROM audit_record WHERE seq > 17");
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).isFalse();
    assertThat(report.position()).isEqualTo(18);
  }

  @Test
  void aForgedCheckpointIsRefused() throws Exception {
    append(0, 5);
    AuditKeys other = AuditKeys.loadOrCreate(dir.resolve("other.key"));
    AuditRecord head = store.read(5, 1).getFirst();
    Checkpoint forged = other.sign(head.seq(), head.hash(), 1);
    store.saveCheckpoint(
        new Checkpoint(
            forged.seq(), forged.hash(), forged.atMillis(), keys.keyId(), forged.signature()));
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).isFalse();
    assertThat(report.problem()).contains("not signed by a known key");
  }

  @Test
  void retentionRemovesOldRecordsAndWhatRemainsVerifiesFromACheckpoint() throws Exception {
    append(0, 30);
    AuditRecord at20 = store.read(20, 1).getFirst();
    store.saveCheckpoint(keys.sign(20, at20.hash(), 1_000));
    AuditRecord at30 = store.read(30, 1).getFirst();
    store.saveCheckpoint(keys.sign(30, at30.hash(), 5_000));
    assertThat(store.removeBefore(2_000)).isEqualTo(20);
    ChainVerifier.Report report = verify();
    assertThat(report.ok()).as(report.problem()).isTrue();
    assertThat(report.firstSeq()).isEqualTo(21);
    // Without the checkpoint the remaining records link to, verification fails.
    sql("DELETE FROM audit_checkpoint WHERE seq = 20");
    assertThat(verify().ok()).isFalse();
    // A store emptied by retention goes on from its last checkpoint.
    store.saveCheckpoint(keys.sign(20, at20.hash(), 1_000));
    assertThat(store.removeBefore(10_000)).isEqualTo(10);
    append(30, 32);
    assertThat(store.read(1, 10)).extracting(AuditRecord::seq).containsExactly(31L, 32L);
    assertThat(verify().ok()).isTrue();
  }

  static void ignore(Statement s) {}

  @Test
  void grantsSurviveARestartActiveOnesActiveAndRevokedOnesRevoked() throws Exception {
    List<dev.warden.core.audit.AuditEvent> events =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    dev.warden.core.audit.AuditLog audit = events::add;
    dev.warden.core.approval.Grants before =
        new dev.warden.core.approval.Grants(new JdbcGrantStore(store), audit, Clock.systemUTC());
    dev.warden.core.approval.JitGrant draft =
        new dev.warden.core.approval.JitGrant(
            null,
            "agent",
            null,
            "shop",
            java.util.Set.of(dev.warden.core.sql.StatementClass.DDL),
            java.util.Set.of(),
            List.of("billing.*"),
            "job 4711",
            null,
            null,
            null,
            null,
            null);
    var kept = before.create(draft, Duration.ofMinutes(30), "olga");
    var revoked = before.create(draft, Duration.ofMinutes(30), "olga");
    before.revoke(revoked.id(), "olga");

    // A restart: a new gateway reads the grants from the same store.
    dev.warden.core.approval.Grants after =
        new dev.warden.core.approval.Grants(new JdbcGrantStore(store), audit, Clock.systemUTC());
    assertThat(after.list(true)).extracting(g -> g.id()).containsExactly(kept.id());
    assertThat(after.find(revoked.id()).orElseThrow().revokedBy()).isEqualTo("olga");
    assertThat(after.find(kept.id()).orElseThrow()).isEqualTo(kept);
    var ddl =
        new dev.warden.core.sql.Statement(
            "ALTER TABLE billing.invoices ADD COLUMN note text",
            dev.warden.core.sql.StatementClass.DDL,
            List.of(
                new dev.warden.core.sql.StatementPart(
                    "ALTER TABLE",
                    dev.warden.core.sql.StatementClass.DDL,
                    java.util.Set.of(),
                    java.util.Set.of(new dev.warden.core.sql.TableRef("billing", "invoices")),
                    java.util.Set.of(),
                    java.util.Set.of("ALTER TABLE"),
                    java.util.Set.of(),
                    null,
                    0,
                    null)),
            null);
    var session =
        new dev.warden.core.session.SessionContext(
            "s1",
            new dev.warden.core.identity.Identity(
                "agent", null, java.util.Set.of(), java.util.Map.of()),
            java.util.Set.of("agent"),
            "shop",
            "127.0.0.1",
            "psql");
    assertThat(after.decide(session, ddl, dev.warden.core.sql.FunctionCatalog.builtin()))
        .hasValueSatisfying(d -> assertThat(d.rule()).isEqualTo("grant:" + kept.id()));
    after.revoke(kept.id(), "olga");
    dev.warden.core.approval.Grants again =
        new dev.warden.core.approval.Grants(new JdbcGrantStore(store), audit, Clock.systemUTC());
    assertThat(again.list(true)).isEmpty();
    assertThat(again.decide(session, ddl, dev.warden.core.sql.FunctionCatalog.builtin())).isEmpty();
  }

  static dev.warden.core.approval.Approvals.Held held(String sql, int quorum) {
    return new dev.warden.core.approval.Approvals.Held(
        "agent",
        "iss",
        "s1",
        "shop",
        sql,
        List.of(),
        "WRITE",
        List.of("public.orders"),
        "hold-delete",
        "deletes need a dba",
        java.util.Set.of("dba"),
        Duration.ofMinutes(5),
        "binding-" + sql,
        quorum,
        null);
  }

  static dev.warden.core.identity.Authenticated approver(String subject) {
    return new dev.warden.core.identity.Authenticated(
        new dev.warden.core.identity.Identity(
            subject, "iss", java.util.Set.of("dba"), java.util.Map.of()),
        java.util.Set.of(),
        java.util.Set.of(),
        java.util.Set.of(),
        java.time.Instant.MAX);
  }

  @Test
  void twoGatewaysSharingTheStoreClaimAnApprovalOnceAndCountEveryVote() throws Exception {
    var timer = Executors.newSingleThreadScheduledExecutor();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      dev.warden.core.approval.Approvals one =
          new dev.warden.core.approval.Approvals(
              new JdbcApprovalStore(store),
              e -> {},
              Clock.systemUTC(),
              timer,
              Duration.ofMinutes(5));
      dev.warden.core.approval.Approvals two =
          new dev.warden.core.approval.Approvals(
              new JdbcApprovalStore(store),
              e -> {},
              Clock.systemUTC(),
              timer,
              Duration.ofMinutes(5));
      for (int round = 0; round < 5; round++) {
        var asked = one.ask(held("DELETE FROM orders WHERE id = " + round, 1));
        two.approve(asked.id(), approver("dana"), null);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Boolean>> claims = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          var gateway = i % 2 == 0 ? one : two;
          claims.add(
              pool.submit(
                  () -> {
                    go.await();
                    return gateway.claim(asked.binding()).isPresent();
                  }));
        }
        go.countDown();
        int claimed = 0;
        for (var c : claims) {
          claimed += c.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(claimed).as("round %d: the approved statement runs once", round).isEqualTo(1);
        // Two approvers of a quorum of two, at once, through the two gateways: both count.
        var quorum = one.ask(held("DELETE FROM orders WHERE id > " + round, 2));
        java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(1);
        var first =
            pool.submit(
                () -> {
                  both.await();
                  return one.approve(quorum.id(), approver("dana"), null);
                });
        var second =
            pool.submit(
                () -> {
                  both.await();
                  return two.approve(quorum.id(), approver("dave"), null);
                });
        both.countDown();
        first.get(30, TimeUnit.SECONDS);
        second.get(30, TimeUnit.SECONDS);
        var decided = one.find(quorum.id()).orElseThrow();
        assertThat(decided.votes()).hasSize(2);
        assertThat(decided.state())
            .isEqualTo(dev.warden.core.approval.ApprovalRequest.State.APPROVED);
      }
    } finally {
      pool.shutdownNow();
      timer.shutdownNow();
    }
  }
}
