package dev.warden.gateway.postgres;

import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementPart;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import dev.warden.protocol.postgres.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * One client session and its backend: who it is, the statements in flight, the prepared statements
 * and portals it has created, and the transaction state. Only its event loop touches it, so nothing
 * here is synchronised.
 */
final class Session {
  final SessionContext context;
  final Channel client;
  final Channel backend;
  final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  final Map<String, Statement> preparedStatements = new HashMap<>();
  final Map<String, Statement> portals = new HashMap<>();
  TransactionStatus transactionStatus;

  /**
   * After an error in an extended-protocol batch the database discards every message until the next
   * Sync; while this is set, those messages expect no response and are not queued.
   */
  boolean discardingUntilSync;

  /**
   * The schema unqualified table names resolve to, when the search path holds exactly one existing
   * schema; null when unknown (several schemas, or the session changed settings) — then unqualified
   * names stay unresolved and only {@code *.name} rules match them.
   */
  String defaultSchema;

  /**
   * The schemas of the session's search path as the server reported them at startup, in order; null
   * once the session may have changed it.
   */
  List<String> searchPath;

  /**
   * While a guarded write (one under maxRowsAffected) is out, the client's further messages wait
   * here, in order, until Warden has seen its row count and committed or rolled it back.
   */
  final ArrayDeque<ByteBuf> held = new ArrayDeque<>();

  /** The guarded statement the held messages wait for; null when nothing is held. */
  InFlight guard;

  /**
   * Set when a guarded simple Query arrived while other statements were still out: it waits in
   * {@link #held} until the database is idle, so Warden knows whether it must open a transaction.
   */
  boolean waitingForIdle;

  /** Result descriptions of described prepared statements, kept while masking is active. */
  final Map<String, RowDescription> statementDescriptions = new HashMap<>();

  /** Values bound into written columns, by portal and parameter number (masking only). */
  final Map<String, Map<Integer, String>> portalParameters = new HashMap<>();

  /** Mask plans of described portals (MaskPlan.NONE: described, nothing to mask). */
  final Map<String, MaskPlan> portalPlans = new HashMap<>();

  /** Rows already delivered from suspended portals (fetch-size batches), by portal name. */
  final Map<String, Long> portalRows = new HashMap<>();

  /** Lets the held messages through; set by the client-side handler, run on the event loop. */
  Runnable release;

  boolean holding() {
    return guard != null
        || waitingForIdle
        || awaitingRecord
        || openingApproval
        || pendingApproval != null;
  }

  /** The approval request a held statement of this session waits for, or null. */
  String pendingApproval;

  /** A statement waits for its audit record to be durable (write-ahead). */
  boolean awaitingRecord;

  /** Column names of described statements ("S" + name) and portals ("P" + name), for the audit. */
  final Map<String, List<String>> describedColumns = new HashMap<>();

  /**
   * Each portal's bind parameters as sent: an approval binds to them, and the planner's estimate of
   * a held statement uses them.
   */
  final Map<String, PlanEstimator.Bound> portalBound = new HashMap<>();

  /** Parameter types each prepared statement's Parse declared (only those that declared some). */
  final Map<String, List<Integer>> preparedParameterTypes = new HashMap<>();

  /** A held statement's approval request is being opened (its row estimate, the store). */
  boolean openingApproval;

  /** Bind parameters of each portal as the audit records them (masked where they must be). */
  final Map<String, List<String>> portalAuditParameters = new HashMap<>();

  /** SQL-level prepared statements (PREPARE name AS …) the server confirmed, by name. */
  private final Map<String, StatementPart> sqlPrepared = new HashMap<>();

  private long statementCount;

  Session(
      SessionContext context,
      Channel client,
      Channel backend,
      TransactionStatus status,
      List<String> searchPath) {
    this.context = context;
    this.client = client;
    this.backend = backend;
    this.transactionStatus = status;
    this.defaultSchema = searchPath.size() == 1 ? searchPath.getFirst() : null;
    this.searchPath = List.copyOf(searchPath);
  }

  /**
   * The statement with unqualified names resolved through the session's search path. A statement
   * that changes settings (SET, RESET, DISCARD, set_config) makes the path unknown from then on:
   * Warden does not guess what the server will resolve.
   */
  Statement resolve(Statement statement) {
    Statement resolved = inheritPrepared(statement.qualified(defaultSchema));
    for (var part : statement.parts()) {
      if (part.mayChangeSearchPath()) {
        defaultSchema = null;
        searchPath = null;
      }
    }
    return resolved;
  }

  /**
   * The statement a prepared-statement name stands for, as the database will see it: a Parse still
   * in flight wins over a confirmed one. Null when unknown.
   */
  Statement preparedStatement(String name) {
    return pending(InFlight.Kind.PARSE, name, preparedStatements);
  }

  /** The statement behind a portal, as the database will see it; null when unknown. */
  Statement portal(String name) {
    return pending(InFlight.Kind.BIND, name, portals);
  }

  private Statement pending(InFlight.Kind kind, String name, Map<String, Statement> confirmed) {
    for (var it = inFlight.descendingIterator(); it.hasNext(); ) {
      InFlight entry = it.next();
      if (entry.kind == kind && entry.name.equals(name)) {
        return entry.statement;
      }
    }
    return confirmed.get(name);
  }

  /**
   * EXECUTE of a SQL-level prepared statement is decided as the statement it runs. An EXECUTE of a
   * name Warden did not see prepared stays as it is: unknown, so a policy denies it.
   */
  private Statement inheritPrepared(Statement statement) {
    if (statement.parts().stream().noneMatch(p -> p.verb().equals("EXECUTE"))) {
      return statement;
    }
    var parts =
        statement.parts().stream()
            .map(
                p -> {
                  var prepared =
                      p.verb().equals("EXECUTE") && p.name() != null
                          ? sqlPrepared.get(p.name())
                          : null;
                  if (prepared == null) {
                    return p;
                  }
                  var functions = new HashSet<>(prepared.functions());
                  functions.addAll(p.functions());
                  return new StatementPart(
                      "EXECUTE",
                      prepared.statementClass(),
                      prepared.reads(),
                      prepared.writes(),
                      functions,
                      prepared.operations(),
                      prepared.settings(),
                      p.name(),
                      prepared.dataModifications(),
                      prepared.columns());
                })
            .toList();
    return new Statement(statement.text(), statement.statementClass(), parts, statement.error());
  }

  /** A statement completed without error: remember the prepared statements it made or dropped. */
  void completed(Statement statement) {
    if (statement == null) {
      return;
    }
    for (var part : statement.parts()) {
      switch (part.verb()) {
        case "PREPARE" -> {
          if (part.name() != null) {
            sqlPrepared.put(part.name(), part);
          }
        }
        case "DEALLOCATE" -> {
          if (part.name() == null) {
            sqlPrepared.clear();
          } else {
            sqlPrepared.remove(part.name());
          }
        }
        case "DISCARD" -> sqlPrepared.clear();
        default -> {}
      }
    }
  }

  long nextStatementId() {
    return ++statementCount;
  }

  long statementCount() {
    return statementCount;
  }
}
