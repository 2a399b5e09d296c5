package dev.warden.frontend.mysql;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.SessionAdmission;
import dev.warden.core.admission.SessionLink;
import dev.warden.core.admission.Verdict;
import dev.warden.core.approval.Estimate;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import dev.warden.gateway.config.WardenConfig.Connection;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One MySQL session: its two channels, its admission by the kernel, the schema its unqualified
 * names resolve against, and the commands sent to the database whose responses are still coming.
 */
final class MysqlSession implements SessionLink {
  final MysqlDoor door;
  final SessionContext context;
  final Channel client;
  final Channel database;
  final Connection connection;
  final int capabilities;
  final SqlAnalyzer analyzer;
  final SessionAdmission admissions;

  /** The session's default schema (USE, COM_INIT_DB); null when none is selected. */
  String schema;

  /** Commands forwarded whose responses have not ended, oldest first. */
  final Deque<InFlight> inFlight = new ArrayDeque<>();

  MysqlSession(
      MysqlDoor door,
      SessionContext context,
      Channel client,
      Channel database,
      Connection connection,
      int capabilities,
      SqlAnalyzer analyzer) {
    this.door = door;
    this.context = context;
    this.client = client;
    this.database = database;
    this.connection = connection;
    this.capabilities = capabilities;
    this.analyzer = analyzer;
    this.schema = connection.database();
    this.admissions = door.server.admissions().open(context, this);
  }

  /** A statement's text as the kernel sees it: analysed, names resolved in the session's schema. */
  Statement analyze(String sql) {
    return analyzer.analyze(sql).qualified(schema, false);
  }

  /**
   * A forwarded command: what kind of response it expects and, for a statement, its verdict.
   *
   * @param kind how its response is framed
   * @param verdict the kernel's verdict, or null for a command that is not a statement
   * @param schema for COM_INIT_DB and USE: the schema the session is in once it succeeds
   */
  record InFlight(Kind kind, Verdict.Run verdict, String schema) {}

  /** How a command's response is framed. */
  enum Kind {
    /** OK or ERR (ping, init db, reset, set option). */
    SIMPLE,
    /** OK, ERR, or result sets (COM_QUERY). */
    QUERY,
    /** One string packet, or ERR (COM_STATISTICS). */
    STATISTICS
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
        Estimate.unavailable("the MySQL door does not ask the planner yet"));
  }
}
