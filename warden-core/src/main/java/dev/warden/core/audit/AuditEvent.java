package dev.warden.core.audit;

import dev.warden.core.policy.Decision;
import dev.warden.core.session.SessionContext;
import java.time.Instant;

/** Something worth recording. Events carry no secrets and no statement literals. */
public sealed interface AuditEvent {
  Instant at();

  record SessionStarted(Instant at, SessionContext session) implements AuditEvent {}

  record AuthenticationFailed(Instant at, String clientAddress, String user, String reason)
      implements AuditEvent {}

  record StatementDecided(
      Instant at, SessionContext session, long statementId, String fingerprint, Decision decision)
      implements AuditEvent {}

  record SessionEnded(Instant at, SessionContext session, long statements) implements AuditEvent {}
}
