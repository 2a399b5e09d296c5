package dev.warden.store;

import dev.warden.core.audit.AuditUnavailableException;

/** The audit store cannot be reached or opened; what it says is safe to show (no credentials). */
public final class StoreUnavailableException extends AuditUnavailableException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
