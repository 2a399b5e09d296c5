package dev.warden.core.audit;

import dev.warden.core.identity.CredentialShapes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit events to the {@code warden.audit} logger as structured key-value pairs. The
 * foundation's sink, until the tamper-evident store lands; statement text is recorded as a
 * fingerprint only, since literals may hold regulated values.
 */
public final class Slf4jAuditLog implements AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger("warden.audit");

  @Override
  public void append(AuditEvent event) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    switch (event) {
      case AuditEvent.SessionStarted e ->
          LOG.atInfo()
              .addKeyValue("event", "session.start")
              .addKeyValue("session", e.session().sessionId())
              .addKeyValue("subject", e.session().identity().subject())
              .addKeyValue("connection", e.session().connection())
              .addKeyValue("client", e.session().clientAddress())
              .addKeyValue(
                  "application", CredentialShapes.redactName(e.session().applicationName()))
              .log("session started");
      case AuditEvent.AuthenticationFailed e ->
          LOG.atInfo()
              .addKeyValue("event", "authentication.failed")
              .addKeyValue("client", e.clientAddress())
              .addKeyValue("user", CredentialShapes.redactName(e.user()))
              .addKeyValue("reason", CredentialShapes.redact(e.reason()))
              .log("authentication failed");
      case AuditEvent.StatementDecided e -> {
        if (LOG.isDebugEnabled()) {
          LOG.atDebug()
              .addKeyValue("event", "statement")
              .addKeyValue("session", e.session().sessionId())
              .addKeyValue("statement", e.statementId())
              .addKeyValue("fingerprint", Fingerprint.of(e.statement().text()))
              .addKeyValue("decision", e.decision().getClass().getSimpleName())
              .addKeyValue("rule", e.decision().rule())
              .log("statement decided");
        }
      }
      case AuditEvent.StatementCompleted e ->
          LOG.atDebug()
              .addKeyValue("event", "statement.end")
              .addKeyValue("session", e.session().sessionId())
              .addKeyValue("statement", e.statementId())
              .addKeyValue("rows", e.rows())
              .addKeyValue("error", e.errorSqlState())
              .log("statement completed");
      case AuditEvent.ApprovalChanged e ->
          LOG.atInfo()
              .addKeyValue("event", "approval")
              .addKeyValue("request", e.requestId())
              .addKeyValue("step", e.step())
              .addKeyValue("actor", e.actor())
              .log("approval request " + e.step());
      case AuditEvent.GrantChanged e ->
          LOG.atInfo()
              .addKeyValue("event", "grant")
              .addKeyValue("grant", e.grantId())
              .addKeyValue("step", e.step())
              .addKeyValue("actor", e.actor())
              .log("grant " + e.step());
      case AuditEvent.PolicyChanged e ->
          LOG.atInfo()
              .addKeyValue("event", "policy")
              .addKeyValue("version", e.version())
              .addKeyValue("sha256", e.sha256())
              .log(e.rejection() == null ? "policy loaded" : "policy rejected");
      case AuditEvent.SessionEnded e ->
          LOG.atInfo()
              .addKeyValue("event", "session.end")
              .addKeyValue("session", e.session().sessionId())
              .addKeyValue("statements", e.statements())
              .log("session ended");
    }
  }
}
