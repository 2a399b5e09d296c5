package dev.warden.frontend.postgres;

import dev.warden.core.approval.ApprovalException;
import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.Estimate;
import dev.warden.core.mask.Classifiers;
import dev.warden.core.policy.Decision;
import dev.warden.core.session.Admission;
import dev.warden.core.sql.Statement;
import dev.warden.frontend.postgres.PlanEstimator.Bound;
import io.netty.channel.ChannelHandlerContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
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
 * A held statement's way through its approval, for one session: the request is opened off the event
 * loop (the planner's row estimate for a data change, then the store); in wait mode the client is
 * told and kept company (a NOTICE every keep-alive) until the request ends; in ask mode an approval
 * for exactly this statement lets it run at once, anything else refuses it naming the request. The
 * end comes back on the event loop as a {@link Verdict}; the relay handler holds the session's
 * messages meanwhile and goes on from it.
 */
final class ApprovalWait {
  /** What statements and parameters look like in a request: through every classifier. */
  private static final Classifiers RECORD_CLASSIFIERS = Classifiers.all();

  private final PostgresContext context;
  private final Session session;
  private final ChannelHandlerContext ctx;

  ApprovalWait(PostgresContext context, Session session, ChannelHandlerContext ctx) {
    this.context = context;
    this.session = session;
    this.ctx = ctx;
  }

  /** How a held statement's approval ended for it. */
  sealed interface Verdict {
    /**
     * It runs; {@code approved} is the wait-mode request to mark executed once it is forwarded,
     * {@code claimed} the ask-mode request its claim marked executed (to give back if it does not
     * run after all); one of them is null.
     */
    record Run(ApprovalRequest approved, ApprovalRequest claimed) implements Verdict {}

    /** It is refused, and why. */
    record Refuse(Decision.Deny deny) implements Verdict {}
  }

  /** The held statement's bind parameters as the audit and the request show them. */
  static List<String> recordedParameters(Session session, String portal) {
    List<String> parameters = new ArrayList<>();
    for (String p :
        portal == null
            ? List.<String>of()
            : session.portalAuditParameters.getOrDefault(portal, List.of())) {
      parameters.add(p == null ? null : RECORD_CLASSIFIERS.scrub(p));
    }
    return parameters;
  }

  /**
   * Opens the approval of a held statement ({@code portal}: its Execute's portal, null for a
   * Query); {@code ended} gets the verdict on the event loop, unless the client went away first.
   */
  void begin(
      Admission admission,
      Decision.Hold hold,
      String portal,
      List<String> parameters,
      Consumer<Verdict> ended) {
    Bound bound =
        portal == null ? Bound.NONE : session.portalBound.getOrDefault(portal, Bound.NONE);
    Set<String> objects = new TreeSet<>();
    for (var part : admission.statement().parts()) {
      part.reads().forEach(t -> objects.add(t.toString()));
      part.writes().forEach(t -> objects.add(t.toString()));
    }
    Approvals.Held held =
        new Approvals.Held(
            session.context.identity().subject(),
            session.context.identity().issuer(),
            session.context.sessionId(),
            session.context.connection(),
            RECORD_CLASSIFIERS.scrub(admission.statement().text()),
            parameters,
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
    session.openingApproval = true;
    CompletableFuture.supplyAsync(() -> open(hold, held, estimate), context.blockingExecutor())
        .whenComplete(
            (opened, failure) ->
                ctx.executor().execute(() -> opened(hold, opened, failure, ended)));
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

  /** Opens the approval (off the event loop: the store, the planner). */
  private Opened open(Decision.Hold hold, Approvals.Held held, Supplier<Estimate> estimate) {
    try {
      Approvals approvals = context.approvals();
      if (hold.ask()) {
        var approved = approvals.claim(held.binding());
        if (approved.isPresent()) {
          return new Opened.Claimed(approved.get());
        }
        var pending = approvals.pendingWith(held.binding());
        if (pending.isPresent()) {
          return new Opened.Asked(pending.get(), true);
        }
        return new Opened.Asked(approvals.ask(held.withEstimate(estimate.get())), false);
      }
      return new Opened.Waiting(approvals.request(held.withEstimate(estimate.get())));
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }

  /**
   * The planner's estimate for a data change (asked only when a request is opened; waits at most
   * {@link PlanEstimator#DEADLINE}), null for other statements.
   */
  private Supplier<Estimate> estimator(Statement statement, Bound bound) {
    if (!PlanEstimator.changesRows(statement)) {
      return () -> null;
    }
    if (statement.parts().size() > 1) {
      return () -> Estimate.unavailable("the string holds several statements");
    }
    var connection = context.config().connections().get(session.context.connection());
    List<String> schemas = session.searchPath;
    String sql = statement.text();
    var loop = ctx.channel().eventLoop();
    return () -> {
      long started = System.nanoTime();
      Estimate estimate =
          PlanEstimator.estimate(context, loop, connection, schemas, sql, bound)
              .completeOnTimeout(
                  Estimate.unavailable("no estimate in time"),
                  PlanEstimator.DEADLINE.toMillis() + 500,
                  TimeUnit.MILLISECONDS)
              .join();
      context.metrics().estimate(System.nanoTime() - started);
      return estimate;
    };
  }

  /** The approval is open (or could not be): on the event loop. */
  private void opened(
      Decision.Hold hold, Opened opened, Throwable failure, Consumer<Verdict> ended) {
    session.openingApproval = false;
    if (!ctx.channel().isActive()) {
      switch (opened) {
        case Opened.Waiting w ->
            context.approvals().cancel(w.pending().request().id(), "the client disconnected");
        case Opened.Claimed c ->
            // Claimed for a client that is gone: the approval is not spent.
            context.blockingExecutor().execute(() -> context.approvals().unclaim(c.request()));
        case null, default -> {}
      }
      return;
    }
    switch (opened) {
      case null -> {
        context.metrics().approval("refused");
        Throwable cause =
            failure instanceof CompletionException c && c.getCause() != null
                ? c.getCause()
                : failure;
        ended.accept(
            new Verdict.Refuse(
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
        context.metrics().approval("run");
        ended.accept(new Verdict.Run(null, c.request()));
      }
      case Opened.Asked asked -> {
        context.metrics().approval("asked");
        ApprovalRequest request = asked.request();
        ended.accept(
            new Verdict.Refuse(
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
  private void await(Decision.Hold hold, Approvals.Pending pending, Consumer<Verdict> ended) {
    ApprovalRequest request = pending.request();
    session.pendingApproval = request.id();
    context.metrics().approvalWaiting(true);
    session.client.writeAndFlush(
        PostgresErrors.notice(
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
            "an approver runs: warden approvals approve " + request.id()));
    long every = context.config().approvals().keepAlive().toMillis();
    var keepAlive =
        ctx.executor()
            .scheduleAtFixedRate(
                () ->
                    session.client.writeAndFlush(
                        PostgresErrors.notice(
                            "warden: still waiting for approval "
                                + request.id()
                                + " (expires "
                                + request.expiresAt()
                                + ")",
                            "an approver runs: warden approvals approve " + request.id())),
                every,
                every,
                TimeUnit.MILLISECONDS);
    pending
        .outcome()
        .whenComplete(
            (outcome, error) ->
                ctx.executor()
                    .execute(
                        () -> {
                          keepAlive.cancel(false);
                          session.pendingApproval = null;
                          context.metrics().approvalWaiting(false);
                          context
                              .metrics()
                              .approval(
                                  error != null
                                      ? "refused"
                                      : outcome.state() == ApprovalRequest.State.APPROVED
                                          ? "run"
                                          : outcome.state().name().toLowerCase(Locale.ROOT));
                          ended.accept(verdict(hold, outcome, error));
                        }));
  }

  /** A wait-mode request's end: the statement runs, or is refused saying why and by whom. */
  private static Verdict verdict(Decision.Hold hold, ApprovalRequest outcome, Throwable failure) {
    if (failure != null) {
      return new Verdict.Refuse(
          new Decision.Deny(
              hold.rule(),
              "the approval request failed (" + failure.getMessage() + "); nothing ran",
              "retry shortly"));
    }
    String id = outcome.id();
    return switch (outcome.state()) {
      case APPROVED -> new Verdict.Run(outcome, null);
      case DENIED -> {
        var vote = outcome.votes().getLast();
        yield new Verdict.Refuse(
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
          new Verdict.Refuse(
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
          new Verdict.Refuse(
              new Decision.Deny(
                  hold.rule(), "request " + id + " was cancelled; nothing ran", "run it again"));
    };
  }

  /**
   * What an ask-mode approval is bound to: SHA-256 over identity (subject and issuer), connection,
   * the exact text and the bind parameters as sent, each length-prefixed.
   */
  private String binding(Statement statement, Bound bound) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String part :
          List.of(
              session.context.identity().subject(),
              String.valueOf(session.context.identity().issuer()),
              session.context.connection(),
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
