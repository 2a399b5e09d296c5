package dev.warden.core.admission;

import dev.warden.core.approval.ApprovalException;
import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.Estimate;
import dev.warden.core.mask.Classifiers;
import dev.warden.core.policy.Decision;
import dev.warden.core.session.Admission;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.Statement;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A held statement's way through its approval, for one session: the request is opened off the
 * session's loop (the planner's row estimate for a data change, then the store); in wait mode the
 * client is told and kept company (a notice every keep-alive) until the request ends; in ask mode
 * an approval for exactly this statement lets it run at once, anything else refuses it naming the
 * request. The end comes back on the session's loop as an {@link Ending}.
 */
final class ApprovalWait {
  /** What statements and parameters look like in a request: through every classifier. */
  static final Classifiers RECORD_CLASSIFIERS = Classifiers.all();

  /** The most the kernel waits for a front door's estimate (its own deadline is shorter). */
  private static final Duration ESTIMATE_LIMIT = Duration.ofSeconds(10);

  private final AdmissionControl control;
  private final SessionContext context;
  private final SessionLink link;

  /** The approval request this session's held statement waits for, or null. Loop only. */
  private String pending;

  ApprovalWait(AdmissionControl control, SessionContext context, SessionLink link) {
    this.control = control;
    this.context = context;
    this.link = link;
  }

  /** How a held statement's approval ended for it. */
  sealed interface Ending {
    /**
     * It runs; {@code approved} is the wait-mode request to mark executed, {@code claimed} the
     * ask-mode request its claim marked executed (to give back if it does not run after all); one
     * of them is null.
     */
    record Approved(ApprovalRequest approved, ApprovalRequest claimed) implements Ending {}

    /** It is refused, and why. */
    record Refused(Decision.Deny deny) implements Ending {}
  }

  /** The approval request a held statement of this session waits for, or null. */
  String pending() {
    return pending;
  }

  /** The client left: the request its statement waited for is cancelled. */
  void cancel(String why) {
    if (pending != null) {
      control.approvals().cancel(pending, why);
      pending = null;
    }
  }

  /**
   * Opens the approval of a held statement; {@code ended} gets the ending on the session's loop,
   * unless the client went away first.
   */
  void begin(
      Admission admission,
      Decision.Hold hold,
      BoundParameters bound,
      List<String> parameters,
      Consumer<Ending> ended) {
    Set<String> objects = new TreeSet<>();
    for (var part : admission.statement().parts()) {
      part.reads().forEach(t -> objects.add(t.toString()));
      part.writes().forEach(t -> objects.add(t.toString()));
    }
    Approvals.Held held =
        new Approvals.Held(
            context.identity().subject(),
            context.identity().issuer(),
            context.sessionId(),
            context.connection(),
            RECORD_CLASSIFIERS.scrub(admission.statement().text()),
            parameters.stream().map(p -> p == null ? null : RECORD_CLASSIFIERS.scrub(p)).toList(),
            admission.statement().statementClass().name(),
            List.copyOf(objects),
            hold.rule(),
            hold.reason(),
            hold.approvers(),
            hold.timeout(),
            binding(admission.statement(), bound),
            hold.quorum(),
            null);
    Supplier<Estimate> estimate = estimator(admission.statement(), bound);
    CompletableFuture.supplyAsync(() -> open(hold, held, estimate), control.blockingExecutor())
        .whenComplete(
            (opened, failure) -> link.loop().execute(() -> opened(hold, opened, failure, ended)));
  }

  /** What opening a held statement's approval came to. */
  private sealed interface Opened {
    /** Ask mode: this exact statement was approved; it runs (once). */
    record Claimed(ApprovalRequest request) implements Opened {}

    /** Ask mode: refused now; {@code request} (new, or still pending) must be approved first. */
    record Asked(ApprovalRequest request, boolean stillPending) implements Opened {}

    /** Wait mode: the statement waits for the request to end. */
    record Waiting(Approvals.Pending pending) implements Opened {}
  }

  /** Opens the approval (off the loop: the store, the planner). */
  private Opened open(Decision.Hold hold, Approvals.Held held, Supplier<Estimate> estimate) {
    try {
      Approvals approvals = control.approvals();
      if (hold.ask()) {
        var approved = approvals.claim(held.binding());
        if (approved.isPresent()) {
          return new Opened.Claimed(approved.get());
        }
        var still = approvals.pendingWith(held.binding());
        if (still.isPresent()) {
          return new Opened.Asked(still.get(), true);
        }
        return new Opened.Asked(approvals.ask(held.withEstimate(estimate.get())), false);
      }
      return new Opened.Waiting(approvals.request(held.withEstimate(estimate.get())));
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }

  /** Whether a statement changes table rows (an approver sees a row estimate for those). */
  static boolean changesRows(Statement statement) {
    return statement.parts().stream().anyMatch(p -> p.dataModifications() > 0);
  }

  /** The planner's estimate for a data change (asked only when a request is opened), or null. */
  private Supplier<Estimate> estimator(Statement statement, BoundParameters bound) {
    if (!changesRows(statement)) {
      return () -> null;
    }
    if (statement.parts().size() > 1) {
      return () -> Estimate.unavailable("the string holds several statements");
    }
    return () -> {
      long started = System.nanoTime();
      Estimate estimate =
          link.estimate(statement, bound)
              .completeOnTimeout(
                  Estimate.unavailable("no estimate in time"),
                  ESTIMATE_LIMIT.toMillis(),
                  TimeUnit.MILLISECONDS)
              .join();
      control.metrics().estimate(System.nanoTime() - started);
      return estimate;
    };
  }

  /** The approval is open (or could not be): on the loop. */
  private void opened(
      Decision.Hold hold, Opened opened, Throwable failure, Consumer<Ending> ended) {
    if (!link.open()) {
      switch (opened) {
        case Opened.Waiting w ->
            control.approvals().cancel(w.pending().request().id(), "the client disconnected");
        case Opened.Claimed c ->
            // Claimed for a client that is gone: the approval is not spent.
            control.blockingExecutor().execute(() -> control.approvals().unclaim(c.request()));
        case null, default -> {}
      }
      return;
    }
    switch (opened) {
      case null -> {
        control.metrics().approval("refused");
        Throwable cause =
            failure instanceof CompletionException c && c.getCause() != null
                ? c.getCause()
                : failure;
        ended.accept(
            new Ending.Refused(
                cause instanceof ApprovalException refused
                    ? new Decision.Deny(
                        hold.rule(),
                        "the statement needs approval, and " + refused.getMessage(),
                        "ask an approver to decide the pending requests: warden approvals list")
                    : new Decision.Deny(
                        hold.rule(),
                        "the statement needs approval, and the approval request cannot be stored ("
                            + cause.getMessage()
                            + ")",
                        "retry shortly; tell the operator if it persists")));
      }
      case Opened.Claimed c -> {
        control.metrics().approval("run");
        ended.accept(new Ending.Approved(null, c.request()));
      }
      case Opened.Asked asked -> {
        control.metrics().approval("asked");
        ApprovalRequest request = asked.request();
        ended.accept(
            new Ending.Refused(
                new Decision.Deny(
                    hold.rule(),
                    "the statement needs approval: request "
                        + request.id()
                        + (asked.stillPending() ? " is still pending" : " was opened")
                        + " (approvers: "
                        + String.join(", ", new TreeSet<>(request.approvers()))
                        + "; expires "
                        + request.expiresAt()
                        + "); once approved, send the same statement again and it runs once",
                    "an approver runs: warden approvals approve " + request.id())));
      }
      case Opened.Waiting w -> await(hold, w.pending(), ended);
    }
  }

  /** Wait mode: tells the client, keeps it company, and waits for the request to end. */
  private void await(Decision.Hold hold, Approvals.Pending waiting, Consumer<Ending> ended) {
    ApprovalRequest request = waiting.request();
    pending = request.id();
    control.metrics().approvalWaiting(true);
    link.notice(
        "warden: waiting for approval "
            + request.id()
            + " (rule "
            + hold.rule()
            + ": "
            + hold.reason()
            + "); approvers: "
            + String.join(", ", new TreeSet<>(request.approvers()))
            + "; expires "
            + request.expiresAt()
            + (request.estimate() != null && request.estimate().rows() != null
                ? "; the planner expects ~" + request.estimate().rows() + " rows"
                : ""),
        "an approver runs: warden approvals approve " + request.id());
    long every = control.settings().keepAlive().toMillis();
    var keepAlive =
        link.loop()
            .scheduleAtFixedRate(
                () ->
                    link.notice(
                        "warden: still waiting for approval "
                            + request.id()
                            + " (expires "
                            + request.expiresAt()
                            + ")",
                        "an approver runs: warden approvals approve " + request.id()),
                every,
                every,
                TimeUnit.MILLISECONDS);
    waiting
        .outcome()
        .whenComplete(
            (outcome, error) ->
                link.loop()
                    .execute(
                        () -> {
                          keepAlive.cancel(false);
                          pending = null;
                          control
                              .metrics()
                              .approval(
                                  error != null
                                      ? "refused"
                                      : outcome.state() == ApprovalRequest.State.APPROVED
                                          ? "run"
                                          : outcome.state().name().toLowerCase(Locale.ROOT));
                          try {
                            ended.accept(ending(hold, outcome, error));
                          } finally {
                            // Only once the client has its answer: a draining gateway waits for
                            // this count to reach zero before it closes the sessions.
                            control.metrics().approvalWaiting(false);
                          }
                        }));
  }

  /** A wait-mode request's end: the statement runs, or is refused saying why and by whom. */
  private static Ending ending(Decision.Hold hold, ApprovalRequest outcome, Throwable failure) {
    if (failure != null) {
      return new Ending.Refused(
          new Decision.Deny(
              hold.rule(),
              "the approval request failed (" + failure.getMessage() + "); nothing ran",
              "retry shortly"));
    }
    String id = outcome.id();
    return switch (outcome.state()) {
      case APPROVED -> new Ending.Approved(outcome, null);
      case DENIED -> {
        var vote = outcome.votes().getLast();
        yield new Ending.Refused(
            new Decision.Deny(
                hold.rule(),
                "request "
                    + id
                    + " was denied by "
                    + vote.approver()
                    + (vote.comment() == null || vote.comment().isBlank()
                        ? ""
                        : ": " + vote.comment())
                    + "; nothing ran",
                "change the statement, or ask the approver"));
      }
      case EXPIRED ->
          new Ending.Refused(
              new Decision.Deny(
                  hold.rule(),
                  "request "
                      + id
                      + " expired: no approver decided by "
                      + outcome.expiresAt()
                      + "; nothing ran",
                  "ask an approver ("
                      + String.join(", ", outcome.approvers())
                      + ") and run it again"));
      default ->
          new Ending.Refused(
              new Decision.Deny(
                  hold.rule(),
                  "request "
                      + id
                      + " was withdrawn (the gateway is shutting down, or the request was"
                      + " cancelled); nothing ran",
                  "connect again (another gateway takes you if this one is stopping) and run the"
                      + " statement again: it asks for a new approval"));
    };
  }

  /**
   * What an ask-mode approval is bound to: SHA-256 over identity (subject and issuer), connection,
   * the exact text and the parameters as sent, each length-prefixed.
   */
  private String binding(Statement statement, BoundParameters bound) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String part :
          List.of(
              context.identity().subject(),
              String.valueOf(context.identity().issuer()),
              context.connection(),
              statement.text())) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        digest.update(bytes);
      }
      digest.update(bound.formats().toString().getBytes(StandardCharsets.UTF_8));
      for (byte[] p : bound.values()) {
        if (p == null) {
          digest.update(new byte[] {-1});
          continue;
        }
        digest.update(ByteBuffer.allocate(4).putInt(p.length).array());
        digest.update(p);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
