package dev.warden.core.audit;

/**
 * The audit trail cannot take records (its store is down, full or closed): statements that must be
 * recorded first are refused until it can. The message is safe to show (no credentials).
 */
public class AuditUnavailableException extends RuntimeException {
  public AuditUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
