package dev.warden.frontend.mysql;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.session.SessionContext;
import dev.warden.gateway.ConnectionGate;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.mysql.auth.CachingSha2Password;
import dev.warden.protocol.mysql.auth.NativePassword;
import dev.warden.protocol.mysql.codec.PacketFramer;
import dev.warden.protocol.mysql.message.AuthMoreData;
import dev.warden.protocol.mysql.message.AuthSwitchRequest;
import dev.warden.protocol.mysql.message.Capabilities;
import dev.warden.protocol.mysql.message.HandshakeResponse41;
import dev.warden.protocol.mysql.message.HandshakeV10;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.ProtocolViolation;
import dev.warden.protocol.mysql.message.SslRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;

/**
 * The connection phase: Warden greets (as the database's version, offering TLS and the database's
 * default plugin: {@code caching_sha2_password} for MySQL 8, {@code mysql_native_password} for
 * MariaDB), switches to TLS on the client's SslRequest, and takes the client's token or key as its
 * password in clear — inside TLS only: the {@code caching_sha2_password} client is asked for full
 * authentication (what MySQL 8 clients then do over TLS), {@code mysql_clear_password} is taken as
 * it is, and any other plugin is switched to {@code mysql_clear_password}. The credential is
 * checked off the loop; the database name picks the connection; then {@link SessionStarter} logs in
 * to the database with the gateway's own credential.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
  static final String CLEAR_PASSWORD = "mysql_clear_password";

  /** The connection attribute that carries a handoff ticket (see {@code Handoffs}). */
  static final String HANDOFF_ATTRIBUTE = "warden_handoff";

  /** What Warden offers clients; the formats it relays are the ones both ends then share. */
  static final int OFFERED =
      Capabilities.LONG_PASSWORD
          | Capabilities.FOUND_ROWS
          | Capabilities.LONG_FLAG
          | Capabilities.CONNECT_WITH_DB
          | Capabilities.ODBC
          | Capabilities.PROTOCOL_41
          | Capabilities.INTERACTIVE
          | Capabilities.SSL
          | Capabilities.TRANSACTIONS
          | Capabilities.SECURE_CONNECTION
          | Capabilities.MULTI_STATEMENTS
          | Capabilities.MULTI_RESULTS
          | Capabilities.PS_MULTI_RESULTS
          | Capabilities.PLUGIN_AUTH
          | Capabilities.CONNECT_ATTRS
          | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA
          | Capabilities.SESSION_TRACK
          | Capabilities.DEPRECATE_EOF;

  private enum Phase {
    GREETING,
    RESPONSE,
    PASSWORD,
    CHECKING,
    DONE
  }

  private final MysqlDoor door;
  private final byte[] scramble = new byte[20];
  private Phase phase = Phase.GREETING;
  private int sequenceId;
  private boolean tls;
  private String serverVersion;
  private HandshakeResponse41 response;
  private long connectionId;

  HandshakeHandler(MysqlDoor door) {
    this.door = door;
    door.server.random().nextBytes(scramble);
    for (int i = 0; i < scramble.length; i++) {
      // Printable, never NUL: some clients read the scramble as a C string.
      scramble[i] = (byte) (0x21 + (scramble[i] & 0x7F) % 0x5E);
    }
  }

  boolean done() {
    return phase == Phase.DONE;
  }

  int nextSequenceId() {
    return sequenceId + 1;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (door.server.sessions().draining()) {
      // An ERR in place of the greeting, as a server at its connection limit answers.
      MysqlErrors.failAndClose(ctx.channel(), 0, dev.warden.gateway.SessionRegistry.shuttingDown());
      ctx.fireChannelActive();
      return;
    }
    Connection greeting = door.greetingConnection();
    String known = greeting == null ? null : door.serverVersions.get(greeting.name());
    if (known != null || greeting == null) {
      greet(ctx, known == null ? MysqlDoor.FALLBACK_VERSION : known);
    } else {
      // The first client learns the database's version for every later one.
      ctx.channel().config().setAutoRead(false);
      BackendLogin.probe(door, ctx.channel().eventLoop(), greeting)
          .whenComplete(
              (version, failure) ->
                  ctx.executor()
                      .execute(
                          () -> {
                            String v = version != null ? version : MysqlDoor.FALLBACK_VERSION;
                            if (version != null) {
                              door.serverVersions.put(greeting.name(), version);
                            }
                            greet(ctx, v);
                            ctx.channel().config().setAutoRead(true);
                          }));
    }
    ctx.fireChannelActive();
  }

  private void greet(ChannelHandlerContext ctx, String version) {
    if (!ctx.channel().isActive()) {
      return;
    }
    serverVersion = version;
    phase = Phase.RESPONSE;
    connectionId = door.newConnectionId();
    HandshakeV10 hello =
        new HandshakeV10(
            version, connectionId, scramble, OFFERED, 45, 2, greetingPlugin(version), 0);
    ctx.writeAndFlush(new Packet(0, hello.encode()));
  }

  /**
   * The plugin Warden greets with: the database's own default — mysql_native_password for MariaDB,
   * caching_sha2_password for MySQL 8 — so each client takes the path it takes with that database.
   * Either way Warden then asks for the password in clear (inside TLS): full authentication for
   * caching_sha2_password, a switch to mysql_clear_password otherwise. (MySQL Connector/J reads
   * MariaDB's "5.5.5-" version as 5.5.5 and misreads caching_sha2_password's full-authentication
   * request from such a server; the switch works.)
   */
  static String greetingPlugin(String version) {
    return version.contains("MariaDB") ? NativePassword.PLUGIN : CachingSha2Password.PLUGIN;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf raw) {
      // What the plain-text framer held when TLS began (the client's first TLS bytes, sent right
      // after its SslRequest): back through the pipeline from the start, into TLS.
      if (!tls) {
        raw.release();
        ctx.close();
        return;
      }
      ctx.pipeline().fireChannelRead(raw);
      return;
    }
    Packet packet = (Packet) msg;
    try {
      sequenceId = packet.lastSequenceId();
      switch (phase) {
        case RESPONSE -> response(ctx, packet);
        case PASSWORD -> {
          byte[] password = ByteBufUtil.getBytes(packet.payload());
          check(ctx, password);
        }
        default ->
            throw new ProtocolViolation("a packet arrived while authentication was under way");
      }
    } catch (ProtocolViolation e) {
      MysqlErrors.failAndClose(
          ctx.channel(),
          sequenceId + 1,
          new WardenException(ErrorCode.PROTOCOL_VIOLATION, e.getMessage(), null));
    } finally {
      packet.release();
    }
  }

  private void response(ChannelHandlerContext ctx, Packet packet) {
    if (!tls && SslRequest.is(packet.payload())) {
      SslRequest.decode(packet.payload());
      tls = true;
      SslHandler ssl = door.server.clientTls().newHandler(ctx.alloc());
      ChannelPipeline pipeline = ctx.pipeline();
      pipeline.addFirst("tls", ssl);
      pipeline.addAfter(
          "tls", "tls-framer", new PacketFramer(MysqlChannelInitializer.STARTUP_MAX_PACKET));
      // The plain-text framer goes; any bytes it holds are TLS and come back here (see above).
      pipeline.remove("framer");
      return;
    }
    response = HandshakeResponse41.decode(packet.payload());
    if (!tls && !plaintextAllowed(door, ctx.channel())) {
      MysqlErrors.failAndClose(
          ctx.channel(),
          sequenceId + 1,
          new WardenException(
              ErrorCode.AUTHORIZATION_REFUSED,
              "Warden requires TLS: the token or key you send as the password must not travel in"
                  + " clear",
              "connect with TLS (mysql --ssl, sslMode=REQUIRED / useSSL=true, ssl={...})"));
      return;
    }
    String plugin = response.authPluginName() == null ? "" : response.authPluginName();
    if (plugin.equals(CLEAR_PASSWORD)) {
      check(ctx, response.authResponse());
    } else if (plugin.equals(CachingSha2Password.PLUGIN)) {
      phase = Phase.PASSWORD;
      ctx.writeAndFlush(
          new Packet(
              sequenceId + 1,
              new AuthMoreData(new byte[] {AuthMoreData.PERFORM_FULL_AUTHENTICATION}).encode()));
    } else {
      phase = Phase.PASSWORD;
      ctx.writeAndFlush(
          new Packet(sequenceId + 1, new AuthSwitchRequest(CLEAR_PASSWORD, new byte[0]).encode()));
    }
  }

  /** Whether a password may come in clear without TLS: configured so, and on loopback only. */
  static boolean plaintextAllowed(MysqlDoor door, io.netty.channel.Channel channel) {
    return door.server.config().tls().allowPlaintextOnLoopback()
        && channel.remoteAddress() instanceof InetSocketAddress a
        && a.getAddress().isLoopbackAddress();
  }

  private void check(ChannelHandlerContext ctx, byte[] password) {
    phase = Phase.CHECKING;
    ctx.channel().config().setAutoRead(false);
    door.authenticate(password)
        .whenComplete(
            (authenticated, failure) ->
                ctx.executor().execute(() -> authenticated(ctx, authenticated, failure)));
  }

  private void authenticated(
      ChannelHandlerContext ctx, Authenticated authenticated, Throwable failure) {
    if (!ctx.channel().isActive()) {
      return;
    }
    String client = String.valueOf(ctx.channel().remoteAddress());
    String application =
        response
            .attributes()
            .getOrDefault("program_name", response.attributes().getOrDefault("_client_name", ""));
    dev.warden.gateway.Handoffs.Handoff handoff = null;
    String ticket = response.attributes().get(HANDOFF_ATTRIBUTE);
    if (ticket != null) {
      // A session another of Warden's doors opens on its client's behalf (the MCP door): that
      // client's address and application, and what that door asks of the session.
      try {
        handoff = door.server.handoffs().require(ticket);
      } catch (WardenException e) {
        MysqlErrors.failAndClose(ctx.channel(), sequenceId + 1, e);
        return;
      }
      client = handoff.clientAddress();
      application = handoff.application();
    }
    if (failure != null) {
      MysqlErrors.failAndClose(
          ctx.channel(),
          sequenceId + 1,
          door.server
              .admissions()
              .authenticationFailed(client, response.user(), failure, "--password / password="));
      return;
    }
    String database = response.database();
    Connection connection =
        database == null || database.isEmpty()
            ? null
            : door.server.config().connections().get(database);
    SessionContext session;
    try {
      if (connection != null && !connection.mysql()) {
        throw new WardenException(
            ErrorCode.UNKNOWN_CONNECTION,
            "connection \"" + connection.name() + "\" is a PostgreSQL database",
            "connect to it with a PostgreSQL client, through Warden's PostgreSQL listener");
      }
      session =
          door.server
              .admissions()
              .authorize(
                  authenticated,
                  connection == null ? (database == null ? "" : database) : connection.name(),
                  connection != null,
                  client,
                  application);
    } catch (WardenException e) {
      MysqlErrors.failAndClose(ctx.channel(), sequenceId + 1, e);
      return;
    }
    int sessions = door.server.config().limits().maxClientConnections();
    if (!door.server.metrics().tryOpenClient(sessions)) {
      MysqlErrors.failAndClose(
          ctx.channel(),
          sequenceId + 1,
          new WardenException(
              ErrorCode.TOO_MANY_CONNECTIONS,
              "the gateway is at its limit of " + sessions + " client connections",
              "retry later, or ask an administrator to raise limits.maxClientConnections"));
      return;
    }
    ctx.channel().closeFuture().addListener(f -> door.server.metrics().clientClosed());
    phase = Phase.DONE;
    ConnectionGate.established(ctx.channel());
    new SessionStarter(
            door,
            ctx,
            session,
            authenticated,
            connection,
            response,
            sequenceId + 1,
            tls,
            connectionId,
            handoff)
        .start(serverVersion);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    MysqlErrors.failAndClose(
        ctx.channel(),
        sequenceId + 1,
        new WardenException(
            ErrorCode.PROTOCOL_VIOLATION,
            "the connection broke during authentication: " + cause.getMessage(),
            null));
  }
}
