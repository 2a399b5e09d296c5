package dev.warden.frontend.mysql;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.ResultSeen;
import dev.warden.core.admission.SessionAdmission;
import dev.warden.core.admission.SessionLink;
import dev.warden.core.admission.Verdict;
import dev.warden.core.approval.Estimate;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import dev.warden.gateway.CredentialExpiry;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.mysql.message.ColumnDefinition41;
import dev.warden.protocol.mysql.message.Command;
import dev.warden.protocol.mysql.message.Packet;
import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * One MySQL session: its two channels, its admission by the kernel, the schema its unqualified
 * names resolve against, its prepared statements, the warnings Warden owes it, and the commands
 * sent to the database whose responses are still coming.
 */
final class MysqlSession implements SessionLink {
  /** MariaDB's id for "the statement prepared last" (its clients pipeline prepare and execute). */
  static final long LAST_PREPARED = 0xFFFFFFFFL;

  final MysqlDoor door;
  final Channel client;
  final Channel database;
  final Connection connection;
  final int capabilities;
  final SqlAnalyzer analyzer;

  /** Who the session is: changed only by COM_CHANGE_USER ({@link #become}). */
  SessionContext context;

  Authenticated authenticated;

  /** The kernel for the current identity. */
  SessionAdmission admissions;

  /** The client's capabilities from its login (how its COM_CHANGE_USER is laid out). */
  final int clientCapabilities;

  /** The client connection's TLS protocol and cipher suite, or "none". */
  final String tls;

  /** The protocol the client came by, as recorded: mysql, or the door that opened it (mcp). */
  final String protocol;

  /** What the door that opened this session asks of its admission (none for a mysql client). */
  final dev.warden.core.admission.SessionOptions options;

  /** The current identity's token expiry, or null. */
  private ScheduledFuture<?> expiry;

  /** A COM_CHANGE_USER under way, or null. */
  UserChange userChange;

  /** The connection id Warden gave the client in its greeting (what its KILL QUERY names). */
  final long connectionId;

  /** The database's own thread id for this session's connection (what Warden's KILL names). */
  final long backendThreadId;

  /** The session's default schema (USE, COM_INIT_DB); null when none is selected. */
  String schema;

  /** The server status of the last OK or EOF (in a transaction, autocommit). */
  int status;

  final Map<Long, Prepared> prepared = new HashMap<>();
  Prepared lastPrepared;

  /** Warden's own warnings about the last statement, shown by the next SHOW WARNINGS. */
  final List<String> warnings = new ArrayList<>();

  /** Commands received and not yet taken (the client pipelines), oldest first. */
  final Deque<Packet> waiting = new ArrayDeque<>();

  /** How many commands may wait before Warden stops reading the client. */
  static final int MAX_WAITING = 64;

  /** Whether a command is being admitted or carried out. */
  private boolean busy;

  /** Takes commands from the client's pipeline. */
  ClientCommands commands;

  /** Commands forwarded whose responses have not ended, oldest first. */
  final Deque<InFlight> inFlight = new ArrayDeque<>();

  MysqlSession(
      MysqlDoor door,
      SessionContext context,
      Authenticated authenticated,
      int clientCapabilities,
      String tls,
      String via,
      dev.warden.core.admission.SessionOptions options,
      Channel client,
      Channel database,
      Connection connection,
      int capabilities,
      int status,
      SqlAnalyzer analyzer,
      long connectionId,
      long backendThreadId) {
    this.door = door;
    this.context = context;
    this.authenticated = authenticated;
    this.clientCapabilities = clientCapabilities;
    this.tls = tls;
    this.protocol = via == null ? "mysql" : via;
    this.options = options;
    this.client = client;
    this.database = database;
    this.connection = connection;
    this.capabilities = capabilities;
    this.status = status;
    this.analyzer = analyzer;
    this.connectionId = connectionId;
    this.backendThreadId = backendThreadId;
    this.schema = connection.database();
    this.admissions = door.server.admissions().open(context, this, options);
  }

  /**
   * The identity's session begins in the kernel: listed among the live sessions, ended when its
   * token expires, recorded.
   */
  void begin() {
    door.server.sessions().add(context, authenticated, door.server.pipeline().clock().instant());
    // MySQL has no asynchronous message: the client reads the error as the answer to what it
    // sends next.
    expiry =
        CredentialExpiry.schedule(
            client,
            authenticated,
            door.server.config().sessionExpiryGrace(),
            door.server.pipeline().clock(),
            e -> MysqlErrors.failAndClose(client, 1, e));
    admissions.started(tls, protocol);
  }

  /** The identity's session ends in the kernel: the client left, or became another identity. */
  void end() {
    prepared.values().forEach(p -> closeCursor(p, null));
    door.server.sessions().remove(context.sessionId());
    if (expiry != null) {
      expiry.cancel(false);
    }
    admissions.closed();
    admissions.ended();
  }

  /**
   * COM_CHANGE_USER succeeded (the database session already reset): the old identity's session ends
   * and the new one's begins, on the same connections, in the connection's own schema.
   */
  void become(SessionContext next, Authenticated nextCaller) {
    end();
    context = next;
    authenticated = nextCaller;
    admissions = door.server.admissions().open(next, this, options);
    schema = connection.database();
    prepared.clear();
    lastPrepared = null;
    warnings.clear();
    begin();
  }

  /**
   * The cursor of {@code statement} ends (exhausted, failed with {@code sqlState}, closed, reset,
   * executed again, or its session ended): its statement's outcome is recorded once, with every row
   * fetched through it.
   */
  void closeCursor(Prepared statement, String sqlState) {
    Prepared.Cursor cursor = statement.cursor;
    if (cursor == null) {
      return;
    }
    statement.cursor = null;
    List<AuditEvent.Result> results =
        List.of(
            new AuditEvent.Result(
                cursor.columns.stream().map(ColumnDefinition41::name).toList(),
                List.copyOf(cursor.captured),
                null));
    admissions.completed(
        cursor.verdict.admission(),
        cursor.rows,
        sqlState,
        new ResultSeen(
            results, cursor.messages, -1, (System.nanoTime() - cursor.startedNanos) / 1000));
  }

  /** A statement's text as the kernel sees it: analysed, names resolved in the session's schema. */
  Statement analyze(String sql) {
    return analyzer.analyze(sql).qualified(schema, false);
  }

  /** How a command's response is framed, and what Warden does with it. */
  enum Kind {
    /** OK or ERR (ping, init db, reset, set option, statement reset). */
    SIMPLE,
    /** OK, ERR, or result sets (COM_QUERY, COM_STMT_EXECUTE). */
    QUERY,
    /** One string packet, or ERR (COM_STATISTICS). */
    STATISTICS,
    /** COM_STMT_PREPARE: its OK, then parameter and column definitions. */
    PREPARE,
    /** COM_FIELD_LIST: column definitions, then an EOF (or an ERR). */
    FIELD_LIST,
    /** Warden's own statement (around a guarded write): its response is not the client's. */
    INTERNAL,
    /** COM_STMT_FETCH: rows of an open cursor, then an EOF (or an ERR). */
    FETCH
  }

  /**
   * A forwarded command.
   *
   * @param verdict the kernel's verdict for a statement, or null
   * @param schema for COM_INIT_DB and USE: the schema the session is in once it succeeds
   * @param prepared for an execute: its statement (its rows are binary); for a prepare: the
   *     statement being prepared (its id comes with the answer)
   * @param guard a guarded write's maxRowsAffected (0: not guarded); {@code began}: Warden opened
   *     the transaction around it (else a savepoint)
   * @param showWarnings it is SHOW WARNINGS: Warden's own warnings are added to its rows
   * @param then for Warden's own statements: what happens once it succeeded (its response is
   *     swallowed; a failure ends the session)
   */
  record InFlight(
      Kind kind,
      Verdict.Run verdict,
      String schema,
      Prepared prepared,
      long guard,
      boolean began,
      boolean showWarnings,
      Consumer<Packet> then) {

    static InFlight simple() {
      return new InFlight(Kind.SIMPLE, null, null, null, 0, false, false, null);
    }

    static InFlight of(Kind kind) {
      return new InFlight(kind, null, null, null, 0, false, false, null);
    }
  }

  /** Takes the next waiting command, unless one is under way. */
  void next() {
    if (busy || waiting.isEmpty() || !client.isActive()) {
      return;
    }
    busy = true;
    commands.take(waiting.poll());
    if (waiting.size() <= MAX_WAITING / 2 && !client.config().isAutoRead()) {
      client.config().setAutoRead(true);
    }
  }

  /** The command under way has ended (answered or refused): the next one's turn. */
  void commandDone() {
    busy = false;
    client.eventLoop().execute(this::next);
  }

  /**
   * A connection broke (reset, TLS failure, a packet over the limit): the session ends, both sides;
   * a client that broke the protocol is told why first.
   */
  void broken(Throwable cause, boolean byClient) {
    org.slf4j.LoggerFactory.getLogger(MysqlSession.class)
        .debug("session {} ended by {}", context.sessionId(), cause.toString());
    if (byClient && cause instanceof io.netty.handler.codec.DecoderException) {
      MysqlErrors.failAndClose(
          client,
          1,
          new dev.warden.core.error.WardenException(
              dev.warden.core.error.ErrorCode.PROTOCOL_VIOLATION,
              cause.getCause() != null && cause.getMessage() == null
                  ? cause.getCause().getMessage()
                  : cause.getMessage(),
              "packets are limited to limits.maxMessageBytes"));
    } else {
      client.close();
    }
    database.close();
  }

  /** The session ended: what still waits is dropped. */
  void closed() {
    waiting.forEach(Packet::release);
    waiting.clear();
  }

  /** Sends Warden's own statement; {@code then} runs with its OK (a failure ends the session). */
  void internal(String sql, Consumer<Packet> then) {
    byte[] text = sql.getBytes(StandardCharsets.UTF_8);
    byte[] payload = new byte[text.length + 1];
    payload[0] = (byte) Command.COM_QUERY;
    System.arraycopy(text, 0, payload, 1, text.length);
    internalCommand(payload, then);
  }

  /** Sends Warden's own command (answered by an OK); as {@link #internal}. */
  void internalCommand(byte[] payload, Consumer<Packet> then) {
    inFlight.add(new InFlight(Kind.INTERNAL, null, null, null, 0, false, false, then));
    database.writeAndFlush(Packet.of(0, payload));
  }

  @Override
  public ScheduledExecutorService loop() {
    return client.eventLoop();
  }

  @Override
  public boolean open() {
    return client.isActive();
  }

  @Override
  public void notice(String message, String hint) {
    // MySQL has no asynchronous notices: a held statement simply waits.
  }

  @Override
  public CompletableFuture<Estimate> estimate(Statement statement, BoundParameters parameters) {
    return CompletableFuture.completedFuture(
        Estimate.unavailable("the MySQL door does not ask the planner for estimates yet"));
  }
}
