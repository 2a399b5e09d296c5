package dev.warden.core.approval;

import dev.warden.core.sql.StatementClass;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A just-in-time grant: an extra permission for one identity ({@code subject}) or every member of a
 * {@code group}, on one connection, for a bounded time and a stated reason (a job id) — e.g. DDL on
 * {@code billing.*} for 30 minutes. It matches statements like a policy allow rule (classes, verbs,
 * objects); it never lifts a policy's deny rules or built-in checks, only what the policy leaves to
 * default deny or holds for approval.
 */
public record JitGrant(
    String id,
    String subject,
    String group,
    String connection,
    Set<StatementClass> classes,
    Set<String> verbs,
    List<String> objects,
    String reason,
    String createdBy,
    Instant createdAt,
    Instant expiresAt,
    String revokedBy,
    Instant revokedAt) {

  public JitGrant {
    classes = Set.copyOf(classes);
    verbs = Set.copyOf(verbs);
    objects = List.copyOf(objects);
  }

  /** In force at {@code now}: not expired, not revoked. */
  public boolean active(Instant now) {
    return revokedAt == null && now.isBefore(expiresAt);
  }

  JitGrant revoked(String by, Instant at) {
    return new JitGrant(
        id,
        subject,
        group,
        connection,
        classes,
        verbs,
        objects,
        reason,
        createdBy,
        createdAt,
        expiresAt,
        by,
        at);
  }
}
