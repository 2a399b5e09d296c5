package dev.warden.core.approval;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.identity.Authenticated;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Approval requests and their decisions. A held statement becomes a request whose future the
 * waiting session holds; an approver approves or denies it (never the requester, only an approver
 * the rule names — by group or role — and as many approvals as the request needs); a timeout
 * expires it; a client that goes away cancels it. Every step is audited and the request kept in the
 * {@link ApprovalStore}. A request is decided once: the first final state wins.
 */
public final class Approvals implements AutoCloseable {
  private final ApprovalStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final Duration defaultTimeout;
  private final int maxPending;
  private final String instance;
  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
  private final List<Consumer<ApprovalRequest>> onRequested = new CopyOnWriteArrayList<>();

  /** Calls {@code listener} with every new request (to notify approvers); must not block. */
  public void onRequested(Consumer<ApprovalRequest> listener) {
    onRequested.add(listener);
  }

  /** Records a step that is not a decision (a notification sent or failed). */
  public void note(ApprovalRequest request, String step, String detail) {
    record(request, step, null, detail);
  }

  private record Waiting(CompletableFuture<ApprovalRequest> outcome, ScheduledFuture<?> expiry) {}

  public Approvals(
      ApprovalStore store,
      AuditLog audit,
      Clock clock,
      ScheduledExecutorService timer,
      Duration defaultTimeout) {
    this(store, audit, clock, timer, defaultTimeout, DEFAULT_MAX_PENDING, "local");
  }

  /** How many pending requests one identity may have open at once, unless configured. */
  public static final int DEFAULT_MAX_PENDING = 20;

  /**
   * {@code maxPending}: how many pending requests one identity (subject and issuer) may have open
   * at once — an agent looping over held statements must not bury the approvers (or their chat).
   * {@code instance}: this gateway's id, kept across its restarts (its data directory's), so that
   * after a restart it withdraws the requests its own sessions waited on — and no other gateway's.
   */
  public Approvals(
      ApprovalStore store,
      AuditLog audit,
      Clock clock,
      ScheduledExecutorService timer,
      Duration defaultTimeout,
      int maxPending,
      String instance) {
    this.maxPending = maxPending;
    this.instance = instance;
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.timer = timer;
    this.defaultTimeout = defaultTimeout;
  }

  /** What a session knows of the statement it holds. */
  public record Held(
      String requester,
      String requesterIssuer,
      String sessionId,
      String connection,
      String sql,
      List<String> parameters,
      String statementClass,
      List<String> objects,
      String rule,
      String reason,
      Set<String> approvers,
      Duration timeout,
      String binding,
      int quorum,
      Estimate estimate) {
    /** The same, with the planner's estimate. */
    public Held withEstimate(Estimate estimate) {
      return new Held(
          requester,
          requesterIssuer,
          sessionId,
          connection,
          sql,
          parameters,
          statementClass,
          objects,
          rule,
          reason,
          approvers,
          timeout,
          binding,
          quorum,
          estimate);
    }
  }

  /** An opened request and the future of its final state. */
  public record Pending(ApprovalRequest request, CompletableFuture<ApprovalRequest> outcome) {}

  /**
   * Opens a request; the future completes with its final state (approved, denied, expired or
   * cancelled). Fails when the request cannot be stored (then the statement is refused).
   */
  public Pending request(Held held) throws Exception {
    ApprovalRequest request = open(held, false);
    CompletableFuture<ApprovalRequest> outcome = new CompletableFuture<>();
    waiting.put(request.id(), new Waiting(outcome, expiry(request, held)));
    announce(request, held);
    return new Pending(request, outcome);
  }

  /**
   * Ask mode: opens a request nobody waits for; once approved, {@link #claim} lets the same
   * statement run once.
   */
  public ApprovalRequest ask(Held held) throws Exception {
    ApprovalRequest request = open(held, true);
    waiting.put(request.id(), new Waiting(new CompletableFuture<>(), expiry(request, held)));
    announce(request, held);
    return request;
  }

  /**
   * Ask mode: the approved, unexpired, not yet run request with this binding, now marked run — so a
   * statement runs once per approval.
   */
  public synchronized Optional<ApprovalRequest> claim(String binding) throws Exception {
    Instant now = clock.instant();
    for (ApprovalRequest r : store.list(false, 1000)) {
      if (binding.equals(r.binding())
          && r.state() == ApprovalRequest.State.APPROVED
          && now.isBefore(r.expiresAt())) {
        // Claimed atomically: of two gateways sharing the store, one runs it.
        boolean[] mine = {false};
        Optional<ApprovalRequest> ran =
            store.update(
                r.id(),
                current -> {
                  if (current.state() != ApprovalRequest.State.APPROVED
                      || !now.isBefore(current.expiresAt())) {
                    return current;
                  }
                  mine[0] = true;
                  return current.with(ApprovalRequest.State.EXECUTED, current.votes(), now);
                });
        if (mine[0]) {
          record(ran.get(), "executed", r.requester(), null);
          return ran;
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Ask mode: a claimed approval whose statement did not run after all (its client went away, or
   * masking refused it) is given back — approved again, for the next identical statement.
   */
  public void unclaim(ApprovalRequest claimed) {
    try {
      boolean[] back = {false};
      Optional<ApprovalRequest> next =
          store.update(
              claimed.id(),
              current -> {
                if (current.state() != ApprovalRequest.State.EXECUTED) {
                  return current;
                }
                back[0] = true;
                return current.with(
                    ApprovalRequest.State.APPROVED, current.votes(), clock.instant());
              });
      if (back[0]) {
        record(next.get(), "unclaimed", claimed.requester(), "the statement did not run");
      }
    } catch (Exception e) {
      // The store is away: the approval stays spent (fail closed).
    }
  }

  /** Ask mode: a pending request with this binding (asking again does not open another). */
  public Optional<ApprovalRequest> pendingWith(String binding) throws Exception {
    Instant now = clock.instant();
    return store.list(true, 1000).stream()
        .filter(r -> binding.equals(r.binding()) && now.isBefore(r.expiresAt()))
        .findFirst();
  }

  /**
   * After a restart: requests still pending in the store whose session waited in this gateway are
   * cancelled (that session ended with the old process, nothing of it runs) — another gateway's
   * sessions sharing the store are alive and keep theirs; ask-mode ones stay pending until their
   * expiry, which is scheduled again. Returns how many were cancelled.
   */
  public int recover() throws Exception {
    int cancelled = 0;
    Instant now = clock.instant();
    for (ApprovalRequest r : store.list(true, Integer.MAX_VALUE)) {
      if (!now.isBefore(r.expiresAt())) {
        // Whoever held it, its time is over (its gateway's timer may have died with it).
        end(r.id(), ApprovalRequest.State.EXPIRED, null, "timed out");
      } else if (r.ask()) {
        waiting.put(
            r.id(),
            new Waiting(
                new CompletableFuture<>(),
                timer.schedule(
                    () -> end(r.id(), ApprovalRequest.State.EXPIRED, null, "timed out"),
                    Duration.between(now, r.expiresAt()).toMillis(),
                    TimeUnit.MILLISECONDS)));
      } else if (r.holder() == null || instance.equals(r.holder())) {
        end(r.id(), ApprovalRequest.State.CANCELLED, null, "the gateway restarted");
        cancelled++;
      }
      // else: held by a session of another gateway sharing the store, which is alive
    }
    return cancelled;
  }

  private ScheduledFuture<?> expiry(ApprovalRequest request, Held held) {
    Duration timeout = held.timeout() == null ? defaultTimeout : held.timeout();
    return timer.schedule(
        () -> end(request.id(), ApprovalRequest.State.EXPIRED, null, "timed out"),
        timeout.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void announce(ApprovalRequest request, Held held) {
    record(request, "requested", held.requester(), null);
    for (var listener : onRequested) {
      try {
        listener.accept(request);
      } catch (RuntimeException e) {
        note(request, "notification-failed", e.toString());
      }
    }
  }

  private ApprovalRequest open(Held held, boolean ask) throws Exception {
    Instant now = clock.instant();
    long open =
        store.list(true, Integer.MAX_VALUE).stream()
            .filter(
                r ->
                    r.requester().equals(held.requester())
                        && Objects.equals(r.requesterIssuer(), held.requesterIssuer())
                        && now.isBefore(r.expiresAt()))
            .count();
    if (open >= maxPending) {
      throw new ApprovalException(
          429,
          "\""
              + held.requester()
              + "\" already has "
              + open
              + " approval requests pending (approvals.maxPending is "
              + maxPending
              + "); no new one is opened until some are decided or expire");
    }
    Duration timeout = held.timeout() == null ? defaultTimeout : held.timeout();
    ApprovalRequest request =
        new ApprovalRequest(
            "apr_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20),
            now,
            now.plus(timeout),
            held.requester(),
            held.requesterIssuer(),
            held.sessionId(),
            held.connection(),
            held.sql(),
            held.parameters(),
            held.statementClass(),
            held.objects(),
            held.rule(),
            held.reason(),
            held.approvers(),
            Math.max(held.quorum(), 1),
            ApprovalRequest.State.PENDING,
            List.of(),
            null,
            held.binding(),
            ask,
            held.estimate(),
            ask ? null : instance);
    store.save(request);
    return request;
  }

  /**
   * Checks the requests this process waits for against the store, and ends the waits of those
   * decided elsewhere — through another gateway sharing the store. Runs on the timer every {@code
   * every}; a store that does not answer is tried again next time (the waits go on).
   */
  public void pollStore(Duration every) {
    timer.scheduleWithFixedDelay(
        () -> {
          for (String id : List.copyOf(waiting.keySet())) {
            try {
              store.find(id).filter(r -> r.state().ended()).ifPresent(this::settle);
            } catch (Exception e) {
              return; // the store is away: the next round tries again
            }
          }
        },
        every.toMillis(),
        every.toMillis(),
        TimeUnit.MILLISECONDS);
    // A gateway that died holding requests left them pending past their time: whoever is up
    // marks them expired, so approvers are not shown requests nobody waits for.
    timer.scheduleWithFixedDelay(
        this::expireOverdue, SWEEP.toMillis(), SWEEP.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** How often pending requests past their expiry are looked for in a shared store. */
  static final Duration SWEEP = Duration.ofSeconds(30);

  /** Marks every pending request past its expiry expired (whichever gateway opened it). */
  void expireOverdue() {
    Instant now = clock.instant();
    try {
      for (ApprovalRequest r : store.list(true, Integer.MAX_VALUE)) {
        if (!now.isBefore(r.expiresAt())) {
          end(r.id(), ApprovalRequest.State.EXPIRED, null, "timed out");
        }
      }
    } catch (Exception e) {
      // the store is away: the next sweep tries again
    }
  }

  /** An approved request's statement was forwarded to the database. */
  public void executed(ApprovalRequest request) {
    record(request, "executed", request.requester(), null);
  }

  /** The id of the request a future belongs to is in its result; this finds a pending one. */
  public Optional<ApprovalRequest> find(String id) throws Exception {
    return store.find(id);
  }

  public List<ApprovalRequest> list(boolean pendingOnly, int limit) throws Exception {
    return store.list(pendingOnly, limit);
  }

  /** Approves; the statement runs once enough approvers have. */
  public synchronized ApprovalRequest approve(String id, Authenticated approver, String comment)
      throws Exception {
    return decide(id, approver, comment, true);
  }

  /** Denies; the statement never runs. */
  public synchronized ApprovalRequest deny(String id, Authenticated approver, String comment)
      throws Exception {
    return decide(id, approver, comment, false);
  }

  /**
   * One approver's word, applied to the stored request atomically (approvers deciding at once
   * through different gateways each count).
   */
  private ApprovalRequest decide(String id, Authenticated approver, String comment, boolean approve)
      throws Exception {
    Instant now = clock.instant();
    boolean[] expired = {false};
    ApprovalRequest next =
        store
            .update(
                id,
                request -> {
                  if (request.state().ended()) {
                    throw new ApprovalException(
                        409,
                        "request "
                            + id
                            + " is already "
                            + request.state().name().toLowerCase(Locale.ROOT));
                  }
                  if (!now.isBefore(request.expiresAt())) {
                    expired[0] = true;
                    return request.with(ApprovalRequest.State.EXPIRED, request.votes(), now);
                  }
                  eligible(request, approver);
                  List<ApprovalRequest.Vote> votes = new ArrayList<>(request.votes());
                  votes.add(
                      new ApprovalRequest.Vote(
                          approver.identity().subject(), approve, comment, now));
                  if (!approve) {
                    return request.with(ApprovalRequest.State.DENIED, votes, now);
                  }
                  long yes =
                      votes.stream()
                          .filter(ApprovalRequest.Vote::approve)
                          .map(ApprovalRequest.Vote::approver)
                          .distinct()
                          .count();
                  return request.with(
                      yes >= request.quorum()
                          ? ApprovalRequest.State.APPROVED
                          : ApprovalRequest.State.PENDING,
                      votes,
                      now);
                })
            .orElseThrow(() -> new ApprovalException(404, "no approval request " + id));
    if (expired[0]) {
      record(next, "expired", null, "timed out");
      settle(next);
      throw new ApprovalException(409, "request " + id + " has expired");
    }
    record(next, approve ? "approved" : "denied", approver.identity().subject(), comment);
    if (next.state().ended()) {
      settle(next);
    }
    return next;
  }

  /** The waiting client went away: the request is withdrawn. */
  public void cancel(String id, String why) {
    end(id, ApprovalRequest.State.CANCELLED, null, why);
  }

  private synchronized void end(String id, ApprovalRequest.State state, String actor, String why) {
    try {
      boolean[] changed = {false};
      Optional<ApprovalRequest> next =
          store.update(
              id,
              current -> {
                if (current.state().ended()) {
                  // Decided elsewhere (another gateway on the same store): its word stands.
                  return current;
                }
                changed[0] = true;
                return current.with(state, current.votes(), clock.instant());
              });
      if (next.isEmpty()) {
        return;
      }
      if (changed[0]) {
        record(next.get(), state.name().toLowerCase(Locale.ROOT), actor, why);
      }
      settle(next.get());
    } catch (Exception e) {
      Waiting w = waiting.remove(id);
      if (w != null) {
        w.outcome().completeExceptionally(e);
      }
    }
  }

  private void settle(ApprovalRequest request) {
    Waiting w = waiting.remove(request.id());
    if (w != null) {
      w.expiry().cancel(false);
      w.outcome().complete(request);
    }
  }

  /** Refuses the requester, non-approvers and a second word from the same approver. */
  private static void eligible(ApprovalRequest request, Authenticated approver)
      throws ApprovalException {
    String subject = approver.identity().subject();
    if (subject.equals(request.requester())
        && Objects.equals(approver.identity().issuer(), request.requesterIssuer())) {
      throw new ApprovalException(403, "the requester cannot approve or deny their own request");
    }
    Set<String> memberships = new HashSet<>(approver.identity().groups());
    memberships.addAll(approver.roles());
    if (request.approvers().isEmpty()
        || request.approvers().stream().noneMatch(memberships::contains)) {
      throw new ApprovalException(
          403,
          "\""
              + subject
              + "\" may not decide this request: rule "
              + request.rule()
              + " names approvers "
              + request.approvers());
    }
    if (request.votes().stream().anyMatch(v -> v.approver().equals(subject))) {
      throw new ApprovalException(409, "\"" + subject + "\" has already decided this request");
    }
  }

  private void record(ApprovalRequest request, String step, String actor, String comment) {
    audit.append(
        new AuditEvent.ApprovalChanged(
            clock.instant(), request.id(), request.sessionId(), step, actor, comment, request));
  }

  /**
   * Withdraws every request a session of this gateway waits for (a draining gateway): each is
   * cancelled in the store, where every replica sees it, with {@code why}; the waiting clients are
   * told, and nothing of theirs runs.
   */
  public void withdrawWaiting(String why) {
    waiting.keySet().forEach(id -> cancel(id, why));
  }

  @Override
  public void close() {
    withdrawWaiting("the gateway stopped");
  }
}
