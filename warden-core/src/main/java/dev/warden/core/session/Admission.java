package dev.warden.core.session;

import dev.warden.core.policy.Decision;
import dev.warden.core.sql.Statement;
import java.util.concurrent.CompletableFuture;

/**
 * One statement that went through the pipeline: its analysis, decision and sequence number, and,
 * when the audit trail is write-ahead and the statement may run, the future that completes once its
 * record is durable (null otherwise): the statement must not be forwarded before.
 */
public record Admission(
    long statementId, Statement statement, Decision decision, CompletableFuture<Void> durable) {
  public Admission(long statementId, Statement statement, Decision decision) {
    this(statementId, statement, decision, null);
  }

  public boolean allowed() {
    return decision instanceof Decision.Allow;
  }
}
