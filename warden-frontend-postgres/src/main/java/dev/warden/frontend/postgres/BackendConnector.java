package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.postgres.codec.MessageFramer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Map;

/**
 * Opens backend connections on the client's own event loop, so the relay between the two never
 * crosses threads.
 */
final class BackendConnector {
  /** The database is trusted to frame its own messages; this only bounds a corrupt length. */
  static final int MAX_BACKEND_MESSAGE_BYTES = Integer.MAX_VALUE - 8;

  private BackendConnector() {}

  static Future<BackendConnection> connect(
      PostgresContext context,
      EventLoop loop,
      Connection connection,
      Map<String, String> startupParameters) {
    Promise<BackendConnection> promise = loop.newPromise();
    context
        .server()
        .dialer()
        .connect(
            loop,
            connection,
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel channel) {
                addTls(context, channel, connection);
                channel.pipeline().addLast("framer", new MessageFramer(MAX_BACKEND_MESSAGE_BYTES));
                channel
                    .pipeline()
                    .addLast(
                        "startup",
                        new BackendStartupHandler(
                            connection,
                            startupParameters,
                            promise,
                            context.random(),
                            context.scramCaches().get(connection.name()),
                            context.pipeline().analyzesStatements()
                                    && context.catalogs().claimLoad(connection.name())
                                ? context.catalogs()
                                : null));
              }
            })
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                promise.tryFailure(
                    new WardenException(
                        ErrorCode.BACKEND_UNAVAILABLE,
                        "cannot reach the database of connection '"
                            + connection.name()
                            + "': "
                            + f.cause().getMessage()));
              }
            });
    return promise;
  }

  /** Adds the encoder and, for a TLS connection, the negotiator that upgrades it. */
  static void addTls(PostgresContext context, Channel channel, Connection connection) {
    channel.pipeline().addLast("encoder", context.encoder());
    SslContext tls = context.backendTls().get(connection.name());
    if (tls != null) {
      channel
          .pipeline()
          .addLast(
              "tls-negotiator",
              new BackendTlsNegotiator(tls, connection.host(), connection.port()));
    }
  }
}
