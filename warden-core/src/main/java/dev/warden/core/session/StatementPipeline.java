package dev.warden.core.session;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.Limits;
import dev.warden.core.policy.Masking;
import dev.warden.core.policy.PolicyEngine;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.UnanalyzedSqlAnalyzer;
import java.time.Clock;
import java.util.List;
import java.util.Set;

/**
 * The protocol-neutral path of every statement: analyse, decide, record, and only then may the wire
 * adapter forward it. Shared by all sessions; holds no per-session state.
 */
public final class StatementPipeline {
  private final SqlAnalyzer analyzer;
  private final PolicyEngine policy;
  private final AuditLog audit;
  private final Clock clock;

  public StatementPipeline(SqlAnalyzer analyzer, PolicyEngine policy, AuditLog audit, Clock clock) {
    this.analyzer = analyzer;
    this.policy = policy;
    this.audit = audit;
    this.clock = clock;
  }

  /** Whether statements are analysed at all (false when no policy is configured). */
  public boolean analyzesStatements() {
    return !(analyzer instanceof UnanalyzedSqlAnalyzer);
  }

  /** Analyses a statement (e.g. at Parse) without deciding it. */
  public Statement analyze(String sql) {
    return analyzer.analyze(sql);
  }

  /** Decides an analysed statement and records the decision before returning it. */
  public Admission admit(
      SessionContext session, long statementId, Statement statement, FunctionCatalog functions) {
    return record(session, decide(session, statementId, statement, functions), List.of());
  }

  /** Decides an analysed statement without recording it (see {@link #record}). */
  public Admission decide(
      SessionContext session, long statementId, Statement statement, FunctionCatalog functions) {
    Decision decision =
        policy.decide(
            session.identity(), session.roles(), session.connection(), statement, functions);
    return new Admission(statementId, statement, decision);
  }

  /**
   * Records a decided statement with its bind parameters (as they may be recorded: masked where
   * they are written into masked columns). When the audit trail is write-ahead and the statement
   * may run, the returned admission carries the future of its record's durability, which the wire
   * adapter must await before forwarding the statement.
   */
  public Admission record(SessionContext session, Admission admission, List<String> parameters) {
    AuditEvent.StatementDecided event =
        new AuditEvent.StatementDecided(
            clock.instant(),
            session,
            admission.statementId(),
            admission.statement(),
            admission.decision(),
            parameters);
    if (admission.allowed() && audit.writeAhead()) {
      return new Admission(
          admission.statementId(),
          admission.statement(),
          admission.decision(),
          audit.appendDurably(event));
    }
    audit.append(event);
    return admission;
  }

  /** Whether statements wait for their audit record before they run. */
  public boolean writeAhead() {
    return audit.writeAhead();
  }

  /** Whether sessions of these roles on this connection may only read (see PolicyEngine). */
  public boolean readOnly(Set<String> roles, String connection) {
    return policy.readOnly(roles, connection);
  }

  /** The limits of a whole session of these roles on this connection (see PolicyEngine). */
  public Limits sessionLimits(Set<String> roles, String connection) {
    return policy.limits(roles, connection);
  }

  /** What sessions of these roles on this connection see masked. */
  public Masking masking(Set<String> roles, String connection) {
    return policy.masking(roles, connection);
  }

  /** The policy engine (to reload it, or to show its versions). */
  public PolicyEngine policy() {
    return policy;
  }

  /** Records how an admitted statement ended. */
  public void completed(SessionContext session, long statementId, long rows, String errorSqlState) {
    audit.append(
        new AuditEvent.StatementCompleted(
            clock.instant(), session, statementId, rows, errorSqlState));
  }

  /** Records how an admitted statement ended, with its (masked) result as the client saw it. */
  public void completed(AuditEvent.StatementCompleted outcome) {
    audit.append(outcome);
  }

  public AuditLog audit() {
    return audit;
  }

  public Clock clock() {
    return clock;
  }
}
