package dev.warden.core.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Identity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What becomes of approval requests across a restart, and of a decision that comes too late. */
class ApprovalsTest {
  final ApprovalStore store = new ApprovalStore.InMemory();
  final List<AuditEvent> events = new CopyOnWriteArrayList<>();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final Authenticated dana =
      new Authenticated(
          new Identity("dana", "iss", Set.of("dba"), Map.of()),
          Set.of(),
          Set.of(),
          Set.of(),
          Instant.MAX);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  /** Approvals as one gateway process sees them, at {@code now}. */
  Approvals process(Instant now) {
    return process(now, "local");
  }

  /** Approvals as the process of gateway {@code instance} sees them, at {@code now}. */
  Approvals process(Instant now, String instance) {
    return new Approvals(
        store,
        events::add,
        Clock.fixed(now, ZoneOffset.UTC),
        timer,
        Duration.ofMinutes(15),
        Approvals.DEFAULT_MAX_PENDING,
        instance);
  }

  static Approvals.Held held(String sql, Duration timeout) {
    return new Approvals.Held(
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
        Set.of("dba"),
        timeout,
        "binding-" + sql,
        1,
        Estimate.of(3, "Delete on orders <- Seq Scan on orders"));
  }

  @Test
  void aRestartCancelsRequestsWhoseSessionWaitedAndKeepsAskModeOnesUntilTheyExpire()
      throws Exception {
    Instant start = Instant.parse("2026-11-22T10:00:00Z");
    Approvals before = process(start);
    ApprovalRequest waited = before.request(held("DELETE 1", Duration.ofMinutes(60))).request();
    ApprovalRequest asked = before.ask(held("DELETE 2", Duration.ofMinutes(10)));
    ApprovalRequest askedLong = before.ask(held("DELETE 3", Duration.ofMinutes(30)));

    // The process dies (no close()); a new one starts 20 minutes later.
    Approvals after = process(start.plus(Duration.ofMinutes(20)));
    assertThat(after.recover()).isEqualTo(1);
    assertThat(store.find(waited.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.CANCELLED);
    assertThat(store.find(asked.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.EXPIRED);
    assertThat(store.find(askedLong.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.PENDING);
    assertThat(after.pendingWith(askedLong.binding())).isPresent();
    // The estimate and the mode survive with the request.
    assertThat(store.find(askedLong.id()).orElseThrow().estimate().rows()).isEqualTo(3);
    assertThat(store.find(askedLong.id()).orElseThrow().ask()).isTrue();
    // The ask-mode request can still be approved, and then runs once.
    after.approve(askedLong.id(), dana, "ok");
    assertThat(after.claim(askedLong.binding())).isPresent();
    assertThat(after.claim(askedLong.binding())).isEmpty();
    assertThat(events)
        .filteredOn(
            e -> e instanceof AuditEvent.ApprovalChanged a && a.requestId().equals(waited.id()))
        .extracting(e -> ((AuditEvent.ApprovalChanged) e).step())
        .containsExactly("requested", "cancelled");
  }

  @Test
  void aDecisionAfterTheExpiryIsRefusedAndTheRequestExpires() throws Exception {
    Instant start = Instant.parse("2026-11-22T10:00:00Z");
    ApprovalRequest r = process(start).ask(held("DELETE 4", Duration.ofMinutes(5)));
    Approvals late = process(start.plus(Duration.ofMinutes(6)));
    assertThat(late.pendingWith(r.binding())).isEmpty();
    assertThatThrownBy(() -> late.approve(r.id(), dana, null))
        .isInstanceOf(ApprovalException.class)
        .hasMessageContaining("expired");
    assertThat(store.find(r.id()).orElseThrow().state()).isEqualTo(ApprovalRequest.State.EXPIRED);
    assertThat(late.claim(r.binding())).isEmpty();
  }

  @Test
  void anIdentityHasAtMostMaxPendingRequestsOpen() throws Exception {
    Instant now = Instant.parse("2026-11-22T10:00:00Z");
    Approvals approvals =
        new Approvals(
            store,
            events::add,
            Clock.fixed(now, ZoneOffset.UTC),
            timer,
            Duration.ofMinutes(15),
            2,
            "gw-a");
    ApprovalRequest first = approvals.ask(held("DELETE 1", Duration.ofMinutes(10)));
    approvals.ask(held("DELETE 2", Duration.ofMinutes(10)));
    assertThatThrownBy(() -> approvals.ask(held("DELETE 3", Duration.ofMinutes(10))))
        .isInstanceOf(ApprovalException.class)
        .hasMessageContaining("already has 2 approval requests pending");
    // Another identity is not held back by the agent's.
    approvals.ask(
        new Approvals.Held(
            "other",
            "iss",
            "s2",
            "shop",
            "DELETE 4",
            List.of(),
            "WRITE",
            List.of(),
            "hold-delete",
            "why",
            Set.of("dba"),
            Duration.ofMinutes(10),
            "binding-4",
            1,
            null));
    // Once one is decided, there is room again.
    approvals.deny(first.id(), dana, "no");
    approvals.ask(held("DELETE 3", Duration.ofMinutes(10)));
  }

  @Test
  void aRestartedGatewayWithdrawsOnlyTheRequestsItsOwnSessionsWaitedOn() throws Exception {
    Instant start = Instant.parse("2026-11-22T10:00:00Z");
    ApprovalRequest mine =
        process(start, "gw-a").request(held("DELETE 1", Duration.ofMinutes(10))).request();
    ApprovalRequest theirs =
        process(start, "gw-b").request(held("DELETE 2", Duration.ofMinutes(10))).request();
    ApprovalRequest stale =
        process(start, "gw-c").request(held("DELETE 3", Duration.ofMinutes(1))).request();
    // Gateway a restarts five minutes later; b is alive, c died and never came back.
    assertThat(process(start.plus(Duration.ofMinutes(5)), "gw-a").recover()).isEqualTo(1);
    assertThat(store.find(mine.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.CANCELLED);
    assertThat(store.find(theirs.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.PENDING);
    assertThat(store.find(stale.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.EXPIRED);
  }

  @Test
  void aSweepExpiresRequestsWhoseGatewayDiedHoldingThem() throws Exception {
    Instant start = Instant.parse("2026-11-22T10:00:00Z");
    ApprovalRequest orphan =
        process(start, "gw-dead").request(held("DELETE 5", Duration.ofMinutes(1))).request();
    ApprovalRequest live =
        process(start, "gw-b").request(held("DELETE 6", Duration.ofMinutes(30))).request();
    process(start.plus(Duration.ofMinutes(2)), "gw-b").expireOverdue();
    assertThat(store.find(orphan.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.EXPIRED);
    assertThat(store.find(live.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.PENDING);
  }

  @Test
  void aClaimedApprovalWhoseStatementDidNotRunIsGivenBack() throws Exception {
    Approvals approvals = process(Instant.parse("2026-11-22T10:00:00Z"));
    ApprovalRequest asked = approvals.ask(held("DELETE 7", Duration.ofMinutes(10)));
    approvals.approve(asked.id(), dana, "ok");
    ApprovalRequest claimed = approvals.claim(asked.binding()).orElseThrow();
    assertThat(approvals.claim(asked.binding())).isEmpty();
    // The client went away before its statement ran: the approval is not spent.
    approvals.unclaim(claimed);
    assertThat(store.find(asked.id()).orElseThrow().state())
        .isEqualTo(ApprovalRequest.State.APPROVED);
    assertThat(approvals.claim(asked.binding())).isPresent();
    assertThat(approvals.claim(asked.binding())).isEmpty();
  }
}
