package dev.warden.core.session;

import dev.warden.core.policy.Decision;
import dev.warden.core.sql.Statement;

/** One statement that went through the pipeline: its analysis, decision and sequence number. */
public record Admission(long statementId, Statement statement, Decision decision) {
  public boolean allowed() {
    return decision instanceof Decision.Allow;
  }
}
