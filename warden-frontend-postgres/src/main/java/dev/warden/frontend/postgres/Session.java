package dev.warden.frontend.postgres;

import dev.warden.core.admission.SessionAdmission;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementPart;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One client session and its backend: who it is, the messages in flight, the prepared statements
 * and portals the database confirmed, the transaction state, and why the client's messages wait, if
 * they do. Only its event loop touches it, so nothing here is synchronised.
 */
final class Session {
  final SessionContext context;
  final Channel client;
  final Channel backend;

  /** The enforcement kernel for this session: every Query and Execute is admitted there. */
  final SessionAdmission admissions;

  /** The messages whose responses the database has yet to send, oldest first. */
  final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();

  /** Prepared statements the database confirmed (Parse, or SQL PREPARE), by name. */
  final Map<String, Prepared> statements = new HashMap<>();

  /** Portals the database confirmed (Bind), by name. */
  final Map<String, Portal> portals = new HashMap<>();

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

  /** A qualification remembered (see qualified): parts as analysed, the schema, parts qualified. */
  private record Qualified(List<StatementPart> from, String schema, List<StatementPart> parts) {}

  private final Qualified[] qualifications = new Qualified[8];
  private int nextQualified;

  /**
   * The schemas of the session's search path as the server reported them at startup, in order; null
   * once the session may have changed it.
   */
  List<String> searchPath;

  /** Why the client's messages wait in {@link #held}; {@link Hold#NONE} when they do not. */
  Hold hold = Hold.NONE;

  /** The client's messages that wait, in order, while something holds them. */
  final ArrayDeque<ByteBuf> held = new ArrayDeque<>();

  /** Everything that goes to the client, held while a result waits for its audit record. */
  final ClientOutput output = new ClientOutput(this);

  /** Lets the held messages through; set by the client-side handler, run on the event loop. */
  Runnable release;

  /** Prepared statements and cursors by name, as SQL and the protocol share them. */
  private final ServerNames names = new ServerNames(this);

  Session(
      SessionContext context,
      Channel client,
      Channel backend,
      TransactionStatus status,
      List<String> searchPath,
      PostgresContext door,
      dev.warden.core.admission.SessionOptions options) {
    this.context = context;
    this.admissions = door.admissions().open(context, new ClientLink(this, door), options);
    this.client = client;
    this.backend = backend;
    this.transactionStatus = status;
    this.defaultSchema = searchPath.size() == 1 ? searchPath.getFirst() : null;
    this.searchPath = List.copyOf(searchPath);
  }

  /** Queues a message that expects a response, unless the database is discarding until Sync. */
  void expect(InFlight entry) {
    if (!discardingUntilSync) {
      inFlight.add(entry);
    }
  }

  /** Whether the client's messages wait. */
  boolean holding() {
    return hold != Hold.NONE;
  }

  /**
   * The statement with unqualified names resolved through the session's search path, and every
   * EXECUTE, FETCH, MOVE and CLOSE resolved to the statement it runs. A statement that changes
   * settings (SET, RESET, DISCARD, set_config) makes the path unknown from then on: Warden does not
   * guess what the server will resolve.
   */
  Statement resolve(Statement statement) {
    Statement resolved = names.resolve(qualified(statement));
    for (var part : statement.parts()) {
      if (part.mayChangeSearchPath()) {
        defaultSchema = null;
        searchPath = null;
      }
    }
    return resolved;
  }

  /**
   * The statement's names qualified through the session's schema, remembered for the last few
   * analyses: the analysis cache hands the same parts to every statement of one shape (the same
   * prepared statement, or one text with other literals), so a repeated statement is qualified once
   * while the schema stays the same.
   */
  private Statement qualified(Statement statement) {
    List<StatementPart> parts = statement.parts();
    for (Qualified q : qualifications) {
      if (q != null && q.from() == parts && Objects.equals(q.schema(), defaultSchema)) {
        return q.parts() == parts
            ? statement
            : new Statement(
                statement.text(), statement.statementClass(), q.parts(), statement.error());
      }
    }
    Statement qualified = statement.qualified(defaultSchema);
    qualifications[nextQualified] = new Qualified(parts, defaultSchema, qualified.parts());
    nextQualified = (nextQualified + 1) % qualifications.length;
    return qualified;
  }

  /**
   * A prepared statement as the database will have it once what was sent is answered: a Parse still
   * in flight wins over a confirmed statement. Null when unknown.
   */
  Prepared prepared(String name) {
    for (Iterator<InFlight> it = inFlight.descendingIterator(); it.hasNext(); ) {
      if (it.next() instanceof ParseSent p && p.name.equals(name)) {
        return new Prepared(p.statement, p.parameterTypes, null);
      }
    }
    return statements.get(name);
  }

  /** The statement of {@link #prepared}, or null. */
  Statement preparedStatement(String name) {
    Prepared prepared = prepared(name);
    return prepared == null ? null : prepared.statement();
  }

  /**
   * A portal as the database will have it once what was sent is answered: a Bind still in flight
   * wins over a confirmed portal. Null when unknown.
   */
  Portal portal(String name) {
    for (Iterator<InFlight> it = inFlight.descendingIterator(); it.hasNext(); ) {
      if (it.next() instanceof BindSent b && b.portal.equals(name)) {
        return b.statement == null
            ? null
            : new Portal(b.statementName, b.statement, b.parameters, null, List.of(), 0);
      }
    }
    return portals.get(name);
  }

  /** The statement of {@link #portal}, or null. */
  Statement portalStatement(String name) {
    Portal portal = portal(name);
    return portal == null ? null : portal.statement();
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
