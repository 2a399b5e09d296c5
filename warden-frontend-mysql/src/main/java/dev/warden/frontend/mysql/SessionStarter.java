package dev.warden.frontend.mysql;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.session.SessionContext;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.mysql.codec.PacketFramer;
import dev.warden.protocol.mysql.message.HandshakeResponse41;
import dev.warden.protocol.mysql.message.OkPacket;
import dev.warden.protocol.mysql.message.Packet;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an authenticated session: logs in to the database, tells the client it is in (the OK that
 * ends its authentication), and hands both channels to the command relay.
 */
final class SessionStarter {
  private static final Logger LOG = LoggerFactory.getLogger(SessionStarter.class);

  private final MysqlDoor door;
  private final ChannelHandlerContext ctx;
  private final SessionContext context;
  private final Authenticated authenticated;
  private final Connection connection;
  private final HandshakeResponse41 response;
  private final int okSequenceId;
  private final boolean tls;
  private final long connectionId;
  private final dev.warden.gateway.Handoffs.Handoff handoff;

  SessionStarter(
      MysqlDoor door,
      ChannelHandlerContext ctx,
      SessionContext context,
      Authenticated authenticated,
      Connection connection,
      HandshakeResponse41 response,
      int okSequenceId,
      boolean tls,
      long connectionId,
      dev.warden.gateway.Handoffs.Handoff handoff) {
    this.door = door;
    this.ctx = ctx;
    this.context = context;
    this.authenticated = authenticated;
    this.connection = connection;
    this.response = response;
    this.okSequenceId = okSequenceId;
    this.tls = tls;
    this.connectionId = connectionId;
    this.handoff = handoff;
  }

  void start(String greetedVersion) {
    BackendLogin.connect(door, ctx.channel().eventLoop(), connection, response.capabilities())
        .whenComplete(
            (backend, failure) ->
                ctx.executor()
                    .execute(
                        () -> {
                          if (failure != null) {
                            WardenException e =
                                door.server
                                    .dialer()
                                    .explain(
                                        connection,
                                        failure instanceof WardenException w
                                            ? w
                                            : failure.getCause() instanceof WardenException w2
                                                ? w2
                                                : new WardenException(
                                                    ErrorCode.BACKEND_UNAVAILABLE,
                                                    "the database is unavailable",
                                                    null));
                            LOG.warn(
                                "session for {} on connection {} could not reach the database: {}",
                                context.identity().subject(),
                                connection.name(),
                                e.getMessage());
                            MysqlErrors.failAndClose(ctx.channel(), okSequenceId, e);
                          } else {
                            String version = backend.greeting().serverVersion();
                            door.serverVersions.put(connection.name(), version);
                            readable(backend)
                                .whenComplete(
                                    (ready, unreadable) ->
                                        ctx.executor()
                                            .execute(
                                                () -> afterMode(backend, version, unreadable)));
                          }
                        }));
  }

  /**
   * The session's sql_mode without the flags that change how the server reads text (ANSI_QUOTES,
   * NO_BACKSLASH_ESCAPES, …), so the server reads every statement as the analyzer did — as the
   * PostgreSQL door runs every session with standard_conforming_strings on.
   */
  private java.util.concurrent.CompletableFuture<Void> readable(BackendLogin.Backend backend) {
    boolean deprecateEof =
        dev.warden.protocol.mysql.message.Capabilities.has(
            backend.capabilities(), dev.warden.protocol.mysql.message.Capabilities.DEPRECATE_EOF);
    return MysqlCatalog.query(backend.channel(), "SELECT @@session.sql_mode", deprecateEof)
        .thenCompose(
            rows -> {
              String mode = rows.isEmpty() || rows.getFirst()[0] == null ? "" : rows.getFirst()[0];
              java.util.List<String> kept = new java.util.ArrayList<>();
              boolean changed = false;
              for (String flag : mode.split(",")) {
                if (flag.isBlank()) {
                  continue;
                }
                if (door.parserModes.contains(flag.trim().toUpperCase(java.util.Locale.ROOT))) {
                  changed = true;
                } else {
                  kept.add(flag.trim());
                }
              }
              var modeSet =
                  !changed
                      ? java.util.concurrent.CompletableFuture.<Void>completedFuture(null)
                      : MysqlCatalog.query(
                              backend.channel(),
                              "SET SESSION sql_mode = '" + String.join(",", kept) + "'",
                              deprecateEof)
                          .thenApply(done -> (Void) null);
              if (handoff == null || !handoff.options().readOnly()) {
                return modeSet;
              }
              // A read-only session (the MCP door's query): the database refuses writes too.
              return modeSet.thenCompose(
                  done ->
                      MysqlCatalog.query(
                              backend.channel(), "SET SESSION TRANSACTION READ ONLY", deprecateEof)
                          .thenApply(ok -> (Void) null));
            });
  }

  /** The client connection's TLS protocol and cipher suite, or "none". */
  private String tlsDescription(Channel client) {
    io.netty.handler.ssl.SslHandler ssl =
        client.pipeline().get(io.netty.handler.ssl.SslHandler.class);
    if (!tls || ssl == null) {
      return "none";
    }
    javax.net.ssl.SSLSession s = ssl.engine().getSession();
    return s.getProtocol() + " " + s.getCipherSuite();
  }

  /** The session's mode is readable (or it is not: the session ends); then the catalog. */
  private void afterMode(BackendLogin.Backend backend, String version, Throwable unreadable) {
    if (unreadable != null) {
      backend.channel().close();
      MysqlErrors.failAndClose(
          ctx.channel(),
          okSequenceId,
          new WardenException(
              ErrorCode.BACKEND_UNAVAILABLE,
              "Warden could not set the session's sql_mode: " + unreadable.getMessage(),
              null));
      return;
    }
    MysqlCatalog.loadIfDue(
            door, backend.channel(), connection.name(), backend.capabilities(), version)
        .whenComplete(
            (loaded, error) ->
                ctx.executor()
                    .execute(
                        () -> {
                          if (error != null) {
                            LOG.warn(
                                "reading the catalog of connection {} failed: {}",
                                connection.name(),
                                error.getMessage());
                          }
                          started(backend);
                        }));
  }

  private void started(BackendLogin.Backend backend) {
    Channel client = ctx.channel();
    Channel database = backend.channel();
    if (!client.isActive()) {
      database.close();
      return;
    }
    MysqlSession session =
        new MysqlSession(
            door,
            context,
            authenticated,
            response.capabilities(),
            tlsDescription(client),
            handoff == null ? null : handoff.protocol(),
            handoff == null ? dev.warden.core.admission.SessionOptions.NONE : handoff.options(),
            client,
            database,
            connection,
            backend.capabilities(),
            backend.status(),
            door.analyzer(backend.greeting().serverVersion()),
            connectionId,
            backend.greeting().connectionId());
    client
        .closeFuture()
        .addListener(
            f -> {
              door.sessionsById.remove(connectionId, session);
              database.close();
              session.closed();
              session.end();
            });
    database
        .closeFuture()
        .addListener(
            f ->
                client
                    .writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener(ChannelFutureListener.CLOSE));
    door.sessionsById.putIfAbsent(connectionId, session);
    client
        .pipeline()
        .get(PacketFramer.class)
        .setMaxPacketBytes(door.server.config().limits().maxMessageBytes());
    session.commands = new ClientCommands(session);
    client.pipeline().replace(HandshakeHandler.class, "relay", session.commands);
    // The relay frames the database's stream itself (to forward runs of packets as they came).
    database.pipeline().replace("framer", "relay", new BackendResults(session));
    session.begin();
    client.writeAndFlush(
        new Packet(okSequenceId, new OkPacket(0, 0, backend.status(), 0, "").encode()));
    client.config().setAutoRead(true);
    database.config().setAutoRead(true);
  }
}
