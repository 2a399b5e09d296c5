package dev.warden.core.audit;

import dev.warden.core.policy.Decision;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.Statement;
import java.time.Instant;

/** Something worth recording. Events carry no secrets and no statement literals. */
public sealed interface AuditEvent {
  Instant at();

  record SessionStarted(Instant at, SessionContext session) implements AuditEvent {}

  record AuthenticationFailed(Instant at, String clientAddress, String user, String reason)
      implements AuditEvent {}

  /**
   * A statement was decided. It carries the analysed statement; a sink records only what it may
   * (the foundation's log sink: a fingerprint, never literals).
   */
  record StatementDecided(
      Instant at, SessionContext session, long statementId, Statement statement, Decision decision)
      implements AuditEvent {}

  /** A statement finished: rows returned and, when it failed, the SQLSTATE. */
  record StatementCompleted(
      Instant at, SessionContext session, long statementId, long rows, String errorSqlState)
      implements AuditEvent {}

  record SessionEnded(Instant at, SessionContext session, long statements) implements AuditEvent {}
}
