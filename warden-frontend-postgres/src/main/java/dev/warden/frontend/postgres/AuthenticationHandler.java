package dev.warden.frontend.postgres;

import dev.warden.core.admission.SessionOptions;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Credential;
import dev.warden.core.session.SessionContext;
import dev.warden.gateway.CredentialExpiry;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.postgres.codec.MessageFramer;
import dev.warden.protocol.postgres.message.AuthenticationOk;
import dev.warden.protocol.postgres.message.BackendKeyData;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.ParameterStatus;
import dev.warden.protocol.postgres.message.PasswordMessage;
import dev.warden.protocol.postgres.message.ProtocolViolation;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second phase: takes the client's password message (its service key or token), has it
 * authenticated off the event loop, picks the connection by database name, opens the backend with
 * the gateway's own credential, and hands both channels to the relay.
 */
final class AuthenticationHandler extends ClientPhaseHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AuthenticationHandler.class);

  private final PostgresContext context;
  private final StartupParameters parameters;

  /** The handoff this session was opened with (by another of Warden's doors), or null. */
  private dev.warden.gateway.Handoffs.Handoff handoff;

  private final boolean tls;
  private boolean received;
  private Channel backend;

  AuthenticationHandler(PostgresContext context, StartupParameters parameters, boolean tls) {
    super(context.metrics());
    this.context = context;
    this.parameters = parameters;
    this.tls = tls;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    Credential credential;
    try {
      if (received) {
        throw new ProtocolViolation("message received before authentication completed");
      }
      if (Wire.type(frame) != PasswordMessage.TYPE) {
        throw new ProtocolViolation(
            "expected a password message, got type '" + Wire.type(frame) + "'");
      }
      credential = new Credential(((PasswordMessage) FrontendMessage.decode(frame)).password());
    } finally {
      frame.release();
    }
    received = true;
    ctx.channel().config().setAutoRead(false);
    CompletableFuture.supplyAsync(
            () -> context.authenticator().authenticate(credential), context.blockingExecutor())
        .whenComplete(
            (authenticated, failure) ->
                ctx.executor().execute(() -> onAuthenticated(ctx, authenticated, failure)));
  }

  private void onAuthenticated(
      ChannelHandlerContext ctx, Authenticated authenticated, Throwable failure) {
    if (!ctx.channel().isActive()) {
      return;
    }
    String client = String.valueOf(ctx.channel().remoteAddress());
    String application = parameters.applicationName();
    if (parameters.handoff() != null) {
      // A session another door opens on its client's behalf: that client's address and
      // application, and what that door asks of the session. Only with a ticket it issued.
      try {
        handoff = context.handoffs().require(parameters.handoff());
      } catch (WardenException e) {
        PostgresErrors.failAndClose(ctx.channel(), e);
        return;
      }
      client = handoff.clientAddress();
      application = handoff.application();
    }
    if (failure != null) {
      PostgresErrors.failAndClose(
          ctx.channel(),
          context
              .admissions()
              .authenticationFailed(client, parameters.user(), failure, "PGPASSWORD, password="));
      return;
    }
    Connection connection = context.config().connections().get(parameters.database());
    if (connection != null && connection.mysql()) {
      PostgresErrors.failAndClose(
          ctx.channel(),
          new WardenException(
              ErrorCode.UNKNOWN_CONNECTION,
              "connection \"" + connection.name() + "\" is a MySQL database",
              "connect to it with a MySQL client, through Warden's MySQL listener (listen.mysql)"));
      return;
    }
    SessionContext session;
    try {
      session =
          context
              .admissions()
              .authorize(
                  authenticated,
                  connection == null ? parameters.database() : connection.name(),
                  connection != null,
                  client,
                  application);
    } catch (WardenException e) {
      PostgresErrors.failAndClose(ctx.channel(), e);
      return;
    }
    // A session's place is taken once the client has authenticated: connections still starting
    // are limited apart (the server's ConnectionGate), so half-open ones cannot take these.
    int sessions = context.config().limits().maxClientConnections();
    if (!context.metrics().tryOpenClient(sessions)) {
      PostgresErrors.failAndClose(
          ctx.channel(),
          new WardenException(
              ErrorCode.TOO_MANY_CONNECTIONS,
              "the gateway is at its limit of " + sessions + " client connections",
              "retry later, or ask an administrator to raise limits.maxClientConnections"));
      return;
    }
    ctx.channel().closeFuture().addListener(f -> context.metrics().clientClosed());
    Future<BackendConnection> pending =
        BackendConnector.connect(
            context,
            ctx.channel().eventLoop(),
            connection,
            backendParameters(authenticated, connection));
    pending.addListener(
        f -> {
          if (f.isSuccess()) {
            start(ctx, session, authenticated, connection, pending.getNow());
          } else {
            WardenException e =
                context
                    .server()
                    .dialer()
                    .explain(
                        connection,
                        f.cause() instanceof WardenException w
                            ? w
                            : new WardenException(
                                ErrorCode.BACKEND_UNAVAILABLE,
                                "the database is unavailable",
                                null,
                                f.cause()));
            LOG.warn(
                "session for {} on connection {} could not reach the database: {}",
                session.identity().subject(),
                connection.name(),
                e.getMessage());
            PostgresErrors.failAndClose(ctx.channel(), e);
          }
        });
  }

  private void start(
      ChannelHandlerContext ctx,
      SessionContext sessionContext,
      Authenticated authenticated,
      Connection connection,
      BackendConnection backendConnection) {
    backend = backendConnection.channel();
    Channel client = ctx.channel();
    if (!client.isActive()) {
      backend.close();
      return;
    }
    BackendKeyData clientKey =
        context
            .cancels()
            .register(new CancelRegistry.Target(connection.name(), backendConnection.key()));
    Session session =
        new Session(
            sessionContext,
            client,
            backend,
            backendConnection.status(),
            backendConnection.searchPath(),
            context,
            handoff == null ? SessionOptions.NONE : handoff.options());
    client
        .closeFuture()
        .addListener(
            f -> {
              context.cancels().unregister(clientKey);
              context.sessions().remove(sessionContext.sessionId());
              backend.close();
              session.admissions.ended();
            });
    backend
        .closeFuture()
        .addListener(
            f ->
                client
                    .writeAndFlush(Unpooled.EMPTY_BUFFER)
                    .addListener(ChannelFutureListener.CLOSE));

    client.write(new AuthenticationOk());
    backendConnection
        .parameters()
        .forEach((name, value) -> client.write(new ParameterStatus(name, value)));
    client.write(clientKey);
    client.writeAndFlush(new ReadyForQuery(backendConnection.status()));

    ClientChannelInitializer.startupComplete(client);
    context.sessions().add(sessionContext, authenticated, context.pipeline().clock().instant());
    CredentialExpiry.schedule(
        client,
        authenticated,
        context.config().sessionExpiryGrace(),
        context.pipeline().clock(),
        e -> PostgresErrors.failAndClose(client, e));
    client
        .pipeline()
        .get(MessageFramer.class)
        .setMaxMessageBytes(context.config().limits().maxMessageBytes());
    long idleMillis = context.config().limits().idleTimeout().toMillis();
    if (idleMillis > 0) {
      client
          .pipeline()
          .addBefore(
              ctx.name(), "idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
    }
    client.pipeline().replace(this, "relay", new ClientRelayHandler(context, session));
    // The relay frames the database's stream itself (to forward runs of messages as one chunk), so
    // it takes the framer's place; the startup handler's place goes to the writer to the client.
    backend.pipeline().replace("framer", "relay", new BackendRelayHandler(context, session));
    backend.pipeline().replace("startup", "to-client", new ClientWriter(session));
    session.admissions.started(tlsDescription(client), handoff == null ? null : handoff.protocol());
    LOG.debug(
        "session {} started for {} on {} (tls={})",
        sessionContext.sessionId(),
        sessionContext.identity().subject(),
        connection.name(),
        tls);
    client.config().setAutoRead(true);
    backend.config().setAutoRead(true);
  }

  /** The client connection's TLS protocol and cipher suite, or "none". */
  private String tlsDescription(Channel client) {
    SslHandler ssl = client.pipeline().get(SslHandler.class);
    if (!tls || ssl == null) {
      return "none";
    }
    SSLSession s = ssl.engine().getSession();
    return s.getProtocol() + " " + s.getCipherSuite();
  }

  /**
   * The client's (allowlisted) parameters, plus {@code default_transaction_read_only=on} when the
   * policy lets this identity only read (the database then refuses writes the analysis cannot see,
   * such as a function that writes), and the policy's {@code statement_timeout}.
   */
  private Map<String, String> backendParameters(
      Authenticated authenticated, Connection connection) {
    Map<String, String> parameters = new LinkedHashMap<>(this.parameters.forwarded());
    // The server must read string constants as libpg_query does, whatever the database's default.
    parameters.put("standard_conforming_strings", "on");
    if (handoff != null) {
      parameters.put("application_name", handoff.application());
    }
    if (context.pipeline().readOnly(authenticated.roles(), connection.name())
        || (handoff != null && handoff.options().readOnly())) {
      parameters.put("default_transaction_read_only", "on");
    }
    Duration timeout =
        context
            .pipeline()
            .sessionLimits(authenticated.roles(), connection.name())
            .statementTimeout();
    if (!timeout.isZero()) {
      parameters.put("statement_timeout", timeout.toMillis() + "ms");
    }
    return parameters;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (backend != null) {
      backend.close();
    }
    ctx.fireChannelInactive();
  }
}
