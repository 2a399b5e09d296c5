package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.gateway.DatabaseCatalogs;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.postgres.message.AuthenticationCleartextPassword;
import dev.warden.protocol.postgres.message.AuthenticationMd5Password;
import dev.warden.protocol.postgres.message.AuthenticationOk;
import dev.warden.protocol.postgres.message.AuthenticationSasl;
import dev.warden.protocol.postgres.message.AuthenticationSaslContinue;
import dev.warden.protocol.postgres.message.AuthenticationSaslFinal;
import dev.warden.protocol.postgres.message.BackendKeyData;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.CommandComplete;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.NoticeResponse;
import dev.warden.protocol.postgres.message.ParameterStatus;
import dev.warden.protocol.postgres.message.PasswordMessage;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.RowDescription;
import dev.warden.protocol.postgres.message.SaslInitialResponse;
import dev.warden.protocol.postgres.message.SaslResponse;
import dev.warden.protocol.postgres.message.StartupMessage;
import dev.warden.protocol.postgres.scram.Md5Password;
import dev.warden.protocol.postgres.scram.SaltedPasswordCache;
import dev.warden.protocol.postgres.scram.ScramException;
import dev.warden.protocol.postgres.scram.ScramSha256Client;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a backend session with the gateway-held credential: sends the startup message, answers
 * SCRAM-SHA-256, MD5 or cleartext authentication, and collects the parameters and key the server
 * reports until it is ready for queries. The credential never reaches the client.
 */
final class BackendStartupHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(BackendStartupHandler.class);

  private final Connection connection;
  private final Map<String, String> startupParameters;
  private final Promise<BackendConnection> promise;
  private final SecureRandom random;
  private final SaltedPasswordCache scramCache;
  private final Map<String, String> reported = new LinkedHashMap<>();

  /** The search path, and the catalogs when the connection's are missing or old. */
  private final CatalogReader catalog;

  private ScramSha256Client scram;
  private boolean probed;
  private boolean authenticated;
  private BackendKeyData key;

  BackendStartupHandler(
      Connection connection,
      Map<String, String> startupParameters,
      Promise<BackendConnection> promise,
      SecureRandom random,
      SaltedPasswordCache scramCache,
      DatabaseCatalogs catalogs) {
    this.catalog = new CatalogReader(connection.name(), catalogs);
    this.connection = connection;
    this.startupParameters = startupParameters;
    this.promise = promise;
    this.random = random;
    this.scramCache = scramCache;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (ctx.pipeline().get(BackendTlsNegotiator.class) == null) {
      sendStartup(ctx);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == BackendTlsNegotiator.READY) {
      sendStartup(ctx);
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  private void sendStartup(ChannelHandlerContext ctx) {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", connection.user());
    parameters.put("database", connection.database());
    parameters.putAll(startupParameters);
    ctx.writeAndFlush(new StartupMessage(3, 0, parameters));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      // DataRow values are slices of the frame: it is released only after they are read.
      handle(ctx, BackendMessage.decode(frame));
    } finally {
      frame.release();
    }
  }

  private void handle(ChannelHandlerContext ctx, BackendMessage message) {
    switch (message) {
      case AuthenticationOk m -> authenticated = true;
      case AuthenticationCleartextPassword m -> {
        requireSecureForCleartext(ctx);
        ctx.writeAndFlush(new PasswordMessage(password()));
      }
      case AuthenticationMd5Password m ->
          ctx.writeAndFlush(
              new PasswordMessage(Md5Password.response(connection.user(), password(), m.salt())));
      case AuthenticationSasl m -> {
        if (!m.mechanisms().contains(ScramSha256Client.MECHANISM)) {
          throw unavailable(
              "the database offers SASL mechanisms "
                  + m.mechanisms()
                  + ", none of which Warden supports");
        }
        scram = new ScramSha256Client(password(), random, scramCache);
        ctx.writeAndFlush(
            new SaslInitialResponse(ScramSha256Client.MECHANISM, scram.clientFirstMessage()));
      }
      case AuthenticationSaslContinue m ->
          ctx.writeAndFlush(new SaslResponse(scram().clientFinalMessage(m.data())));
      case AuthenticationSaslFinal m -> scram().verifyServerFinal(m.data());
      case ParameterStatus m -> reported.put(m.name(), m.value());
      case BackendKeyData m -> key = m;
      case NoticeResponse m ->
          LOG.debug("notice from database during startup of connection {}", connection.name());
      case ErrorResponse m -> {
        LOG.warn(
            "database refused the gateway on connection {}: {} {}",
            connection.name(),
            m.sqlState(),
            m.message());
        throw unavailable(
            "the database refused the gateway's session (SQLSTATE " + m.sqlState() + ")");
      }
      case ReadyForQuery m -> {
        if (!authenticated || key == null) {
          throw unavailable("the database was ready before authentication completed");
        }
        if (!probed) {
          // Which schemas unqualified names resolve to, before the client may change it.
          probed = true;
          ctx.writeAndFlush(new Query(catalog.query()));
          return;
        }
        catalog.done();
        ctx.channel().config().setAutoRead(false);
        promise.trySuccess(
            new BackendConnection(ctx.channel(), reported, key, m.status(), catalog.searchPath()));
      }
      case RowDescription m -> catalog.described();
      case CommandComplete m -> {}
      case DataRow m -> catalog.row(m);
      default ->
          throw unavailable(
              "unexpected "
                  + message.getClass().getSimpleName()
                  + " from the database during startup");
    }
  }

  private ScramSha256Client scram() {
    if (scram == null) {
      throw unavailable("the database continued a SASL exchange that was never started");
    }
    return scram;
  }

  private String password() {
    if (connection.password() == null) {
      throw unavailable(
          "the database asks for a password, but connection '"
              + connection.name()
              + "' has none configured");
    }
    return connection.password().value();
  }

  private void requireSecureForCleartext(ChannelHandlerContext ctx) {
    boolean tls = ctx.pipeline().get(SslHandler.class) != null;
    boolean loopback =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a && isLoopback(a.getAddress());
    if (!tls && !loopback) {
      throw unavailable(
          "the database asks for a cleartext password over an unencrypted connection; enable TLS for connection '"
              + connection.name()
              + "'");
    }
  }

  private static boolean isLoopback(InetAddress address) {
    return address != null && address.isLoopbackAddress();
  }

  private static WardenException unavailable(String message) {
    return new WardenException(ErrorCode.BACKEND_UNAVAILABLE, message);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c =
        cause.getCause() != null && !(cause instanceof WardenException) ? cause.getCause() : cause;
    WardenException failure =
        switch (c) {
          case WardenException e -> e;
          case ScramException e ->
              unavailable("SCRAM authentication with the database failed: " + e.getMessage());
          default -> unavailable("the database connection failed: " + c.getMessage());
        };
    promise.tryFailure(failure);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    promise.tryFailure(unavailable("the database closed the connection during startup"));
  }
}
