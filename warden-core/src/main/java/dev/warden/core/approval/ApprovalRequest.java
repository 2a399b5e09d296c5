package dev.warden.core.approval;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * A held statement waiting for a person: who asked (identity and issuer), in which session and on
 * which connection, the statement as it may be recorded (classifier-masked text, masked bind
 * parameters), what it is (class, objects), the rule that held it, who may approve, how many
 * approvals it needs, when it expires, and what has happened to it. {@code binding}: a digest of
 * the exact statement text, bind parameters, identity and connection (ask mode runs only that).
 * {@code ask}: opened in ask mode (nobody waits; the requester sends the statement again once it is
 * approved). {@code estimate}: for a data change, the planner's row estimate (null otherwise).
 */
public record ApprovalRequest(
    String id,
    Instant createdAt,
    Instant expiresAt,
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
    int quorum,
    State state,
    List<Vote> votes,
    Instant decidedAt,
    String binding,
    boolean ask,
    Estimate estimate,
    String holder) {

  /** Where a request is: waiting, or ended one way or another. */
  public enum State {
    PENDING,
    APPROVED,
    DENIED,
    EXPIRED,
    CANCELLED,
    /** Ask mode: approved, and its statement has run (it will not run again). */
    EXECUTED;

    public boolean ended() {
      return this != PENDING;
    }
  }

  /** One approver's word: approve or deny, with an optional comment. */
  public record Vote(String approver, boolean approve, String comment, Instant at) {}

  public ApprovalRequest {
    parameters =
        parameters == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(parameters));
    objects = List.copyOf(objects);
    approvers = Set.copyOf(approvers);
    votes = List.copyOf(votes);
  }

  ApprovalRequest with(State newState, List<Vote> newVotes, Instant at) {
    return new ApprovalRequest(
        id,
        createdAt,
        expiresAt,
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
        quorum,
        newState,
        newVotes,
        newState.ended() && decidedAt == null ? at : decidedAt,
        binding,
        ask,
        estimate,
        holder);
  }

  /** The approvers who said yes. */
  public List<String> approvedBy() {
    return votes.stream().filter(Vote::approve).map(Vote::approver).toList();
  }
}
