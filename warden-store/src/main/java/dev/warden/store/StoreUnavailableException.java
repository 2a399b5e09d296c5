package dev.warden.store;

/** The audit store cannot be reached or opened; what it says is safe to show (no credentials). */
public final class StoreUnavailableException extends RuntimeException {
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
