package dev.warden.frontend.postgres;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.SessionAdmission;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import dev.warden.protocol.postgres.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

  /**
   * Prepared statements whose result description Warden has, or will have once the responses to
   * what was relayed arrive: kept as the client's messages go out (a Parse forgets, a Describe of
   * the statement or of a portal bound to it remembers), so that an Execute of a portal nobody
   * described gets a Describe of Warden's own before it (masking needs every result's shape).
   */
  final Set<String> describedStatements = new HashSet<>();

  /** Portals whose description Warden has or will have (see {@link #describedStatements}). */
  final Set<String> describedPortals = new HashSet<>();

  /** The prepared statement each portal was bound from, as the client's Binds went out. */
  final Map<String, String> portalStatements = new HashMap<>();

  /** Mask plans of described portals (MaskPlan.NONE: described, nothing to mask). */
  final Map<String, MaskPlan> portalPlans = new HashMap<>();

  /** Rows already delivered from suspended portals (fetch-size batches), by portal name. */
  final Map<String, Long> portalRows = new HashMap<>();

  /**
   * The check of the rows of the COPY … FROM STDIN running now (null when none, or when it writes
   * no masked column), and its in-flight entry.
   */
  CopyInCheck copyIn;

  InFlight copyInEntry;

  /** The client's COPY data is dropped: Warden failed the COPY (a mask written back). */
  boolean copyInRefused;

  /** Lets the held messages through; set by the client-side handler, run on the event loop. */
  Runnable release;

  /** Whether the client's messages wait: a guarded write, an idle wait, or a pending verdict. */
  boolean holding() {
    return guard != null || waitingForIdle || admitting;
  }

  /**
   * A statement waits for the kernel's verdict (its audit record's durability, or an approval): it
   * and every message after it are held.
   */
  boolean admitting;

  /** Column names of described statements ("S" + name) and portals ("P" + name), for the audit. */
  final Map<String, List<String>> describedColumns = new HashMap<>();

  /**
   * Each portal's bind parameters as sent, with its Parse's declared types: the kernel records
   * them, binds an approval to them, checks them for masks written back, and the planner's estimate
   * of a held statement uses them.
   */
  final Map<String, BoundParameters> portalBound = new HashMap<>();

  /** Parameter types each prepared statement's Parse declared (only those that declared some). */
  final Map<String, List<Integer>> preparedParameterTypes = new HashMap<>();

  /** Prepared statements and cursors by name, as SQL and the protocol share them. */
  private final ServerNames names = new ServerNames(this);

  /** The enforcement kernel for this session: every Query and Execute is admitted there. */
  final SessionAdmission admissions;

  Session(
      SessionContext context,
      Channel client,
      Channel backend,
      TransactionStatus status,
      List<String> searchPath,
      PostgresContext door) {
    this.context = context;
    this.admissions = door.admissions().open(context, new ClientLink(this, door));
    this.client = client;
    this.backend = backend;
    this.transactionStatus = status;
    this.defaultSchema = searchPath.size() == 1 ? searchPath.getFirst() : null;
    this.searchPath = List.copyOf(searchPath);
  }

  /**
   * The statement with unqualified names resolved through the session's search path, and every
   * EXECUTE, FETCH, MOVE and CLOSE resolved to the statement it runs. A statement that changes
   * settings (SET, RESET, DISCARD, set_config) makes the path unknown from then on: Warden does not
   * guess what the server will resolve.
   */
  Statement resolve(Statement statement) {
    Statement resolved = names.resolve(statement.qualified(defaultSchema));
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

  /** The server confirmed a portal: it replaces a cursor of the same name. */
  void bound(String portal) {
    names.bound(portal);
  }

  /** A statement completed without error: remember the names it made or dropped. */
  void completed(Statement statement) {
    if (statement != null) {
      names.completed(statement);
    }
  }
}
