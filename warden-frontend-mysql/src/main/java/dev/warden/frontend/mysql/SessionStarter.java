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

  SessionStarter(
      MysqlDoor door,
      ChannelHandlerContext ctx,
      SessionContext context,
      Authenticated authenticated,
      Connection connection,
      HandshakeResponse41 response,
      int okSequenceId,
      boolean tls) {
    this.door = door;
    this.ctx = ctx;
    this.context = context;
    this.authenticated = authenticated;
    this.connection = connection;
    this.response = response;
    this.okSequenceId = okSequenceId;
    this.tls = tls;
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
                                failure instanceof WardenException w
                                    ? w
                                    : failure.getCause() instanceof WardenException w2
                                        ? w2
                                        : new WardenException(
                                            ErrorCode.BACKEND_UNAVAILABLE,
                                            "the database is unavailable",
                                            null);
                            LOG.warn(
                                "session for {} on connection {} could not reach the database: {}",
                                context.identity().subject(),
                                connection.name(),
                                e.getMessage());
                            MysqlErrors.failAndClose(ctx.channel(), okSequenceId, e);
                          } else {
                            door.serverVersions.put(
                                connection.name(), backend.greeting().serverVersion());
                            started(backend);
                          }
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
            client,
            database,
            connection,
            backend.capabilities(),
            door.analyzer(backend.greeting().serverVersion()));
    client
        .closeFuture()
        .addListener(
            f -> {
              door.server.sessions().remove(context.sessionId());
              database.close();
              session.admissions.closed();
              session.admissions.ended();
            });
    database
        .closeFuture()
        .addListener(
            f ->
                client
                    .writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener(ChannelFutureListener.CLOSE));
    door.server.sessions().add(context, authenticated, door.server.pipeline().clock().instant());
    client
        .pipeline()
        .get(PacketFramer.class)
        .setMaxPacketBytes(door.server.config().limits().maxMessageBytes());
    client.pipeline().replace(HandshakeHandler.class, "relay", new ClientCommands(session));
    database.pipeline().addLast("relay", new BackendResults(session));
    session.admissions.started(tls ? "TLS" : "none");
    client.writeAndFlush(
        new Packet(okSequenceId, new OkPacket(0, 0, backend.status(), 0, "").encode()));
    client.config().setAutoRead(true);
    database.config().setAutoRead(true);
  }
}
