package dev.warden.core.audit;

import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.approval.JitGrant;
import dev.warden.core.policy.Decision;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Something worth recording. Events carry no secrets and no statement literals. */
public sealed interface AuditEvent {
  Instant at();

  /**
   * A session began. {@code tls}: the client connection's protocol and cipher suite, or {@code
   * none} (plaintext on loopback).
   */
  /**
   * A session started, over a client connection with this TLS protocol and cipher suite (or
   * "none"), through the front door of {@code protocol} ({@code mysql}; null: PostgreSQL's, the
   * first door, whose records carry no protocol).
   */
  record SessionStarted(Instant at, SessionContext session, String tls, String protocol)
      implements AuditEvent {
    public SessionStarted(Instant at, SessionContext session, String tls) {
      this(at, session, tls, null);
    }

    public SessionStarted(Instant at, SessionContext session) {
      this(at, session, null, null);
    }
  }

  record AuthenticationFailed(Instant at, String clientAddress, String user, String reason)
      implements AuditEvent {}

  /**
   * A statement was decided. It carries the analysed statement; a sink records only what it may
   * (the foundation's log sink: a fingerprint, never literals).
   */
  record StatementDecided(
      Instant at,
      SessionContext session,
      long statementId,
      Statement statement,
      Decision decision,
      List<String> parameters)
      implements AuditEvent {
    public StatementDecided(
        Instant at,
        SessionContext session,
        long statementId,
        Statement statement,
        Decision decision) {
      this(at, session, statementId, statement, decision, List.of());
    }

    public StatementDecided {
      parameters =
          parameters == null
              ? List.of()
              : Collections.unmodifiableList(new ArrayList<>(parameters));
    }
  }

  /**
   * A statement finished: rows returned and, when it failed, the SQLSTATE; for replay, the result's
   * column names, its first rows as the client saw them (masked; up to a cap), the error or notice
   * texts the client saw (scrubbed), and how long it ran.
   */
  record StatementCompleted(
      Instant at,
      SessionContext session,
      long statementId,
      long rows,
      String errorSqlState,
      List<String> columns,
      List<List<String>> sampleRows,
      List<String> messages,
      long durationMicros,
      List<Result> results)
      implements AuditEvent {
    public StatementCompleted(
        Instant at, SessionContext session, long statementId, long rows, String errorSqlState) {
      this(
          at,
          session,
          statementId,
          rows,
          errorSqlState,
          List.of(),
          List.of(),
          List.of(),
          -1,
          List.of());
    }

    public StatementCompleted {
      results = List.copyOf(results);
    }
  }

  /**
   * One result of a statement, as the client saw it: its columns, its first rows (masked), its
   * command tag (null when an error ended it). A Query of several statements has one each.
   */
  record Result(List<String> columns, List<List<String>> rows, String tag) {}

  /**
   * A step of an approval request: requested, approved or denied (by whom, with what comment),
   * expired, cancelled, executed.
   */
  record ApprovalChanged(
      Instant at,
      String requestId,
      String sessionId,
      String step,
      String actor,
      String comment,
      ApprovalRequest request)
      implements AuditEvent {}

  /** A just-in-time grant was created, used, or revoked (by whom). */
  record GrantChanged(Instant at, String grantId, String step, String actor, JitGrant grant)
      implements AuditEvent {}

  /** A policy version was loaded (or a new one rejected). */
  record PolicyChanged(Instant at, int version, String sha256, String source, String rejection)
      implements AuditEvent {}

  record SessionEnded(Instant at, SessionContext session, long statements) implements AuditEvent {}
}
