package dev.warden.core.audit;

import java.util.concurrent.CompletableFuture;

/** Where audit events go. */
public interface AuditLog {
  /** Records an event; returns at once (durability is the sink's business). */
  void append(AuditEvent event);

  /**
   * Records an event; the future completes when it is durable, or fails when the sink cannot make
   * it so (then the statement it records must not run). Sinks without durability complete at once.
   */
  default CompletableFuture<Void> appendDurably(AuditEvent event) {
    append(event);
    return CompletableFuture.completedFuture(null);
  }

  /** Whether {@link #appendDurably} really waits for a store (statements then wait for it). */
  default boolean writeAhead() {
    return false;
  }

  /**
   * Whether the last records reached the store. While it is not, nothing runs before its record is
   * durable (a statement is refused at once when its record fails, rather than a session ended).
   */
  default boolean healthy() {
    return true;
  }
}
