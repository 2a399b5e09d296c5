package dev.warden.frontend.mysql;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.gateway.config.WardenConfig.BackendTlsMode;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.mysql.auth.CachingSha2Password;
import dev.warden.protocol.mysql.auth.NativePassword;
import dev.warden.protocol.mysql.codec.PacketFramer;
import dev.warden.protocol.mysql.message.AuthMoreData;
import dev.warden.protocol.mysql.message.AuthSwitchRequest;
import dev.warden.protocol.mysql.message.Capabilities;
import dev.warden.protocol.mysql.message.ErrPacket;
import dev.warden.protocol.mysql.message.HandshakeResponse41;
import dev.warden.protocol.mysql.message.HandshakeV10;
import dev.warden.protocol.mysql.message.OkPacket;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.SslRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The gateway's own login to a MySQL/MariaDB server: over TLS when the connection asks for it,
 * answering {@code mysql_native_password} and {@code caching_sha2_password} (its fast path, or the
 * full authentication: the password in clear inside TLS, RSA-encrypted without), following an
 * AuthSwitchRequest. MariaDB's {@code client_ed25519} is not spoken: a database user for Warden
 * must use one of those two plugins (the error says so).
 */
final class BackendLogin extends ChannelInboundHandlerAdapter {
  /** The largest packet Warden takes from a database (a row of large values). */
  static final int MAX_BACKEND_PACKET = 1 << 30;

  /** What the database logged in with. */
  record Backend(Channel channel, HandshakeV10 greeting, int capabilities, int status) {}

  private final Connection connection;
  private final SslContext tls;
  private final int clientCapabilities;
  private final String database;
  private final CompletableFuture<Backend> result;
  private HandshakeV10 greeting;
  private int capabilities;
  private String plugin;
  private byte[] seed;
  private boolean overTls;

  private BackendLogin(
      Connection connection,
      SslContext tls,
      int clientCapabilities,
      String database,
      CompletableFuture<Backend> result) {
    this.connection = connection;
    this.tls = tls;
    this.clientCapabilities = clientCapabilities;
    this.database = database;
    this.result = result;
  }

  /** Connects and logs in, taking the formats the client took ({@code clientCapabilities}). */
  static CompletableFuture<Backend> connect(
      MysqlDoor door, EventLoop loop, Connection connection, int clientCapabilities) {
    CompletableFuture<Backend> result = new CompletableFuture<>();
    SslContext tls = door.server.backendTls().get(connection.name());
    door.server
        .dialer()
        .connect(
            loop,
            connection,
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel channel) {
                channel.pipeline().addLast("encoder", door.encoder);
                channel.pipeline().addLast("framer", new PacketFramer(MAX_BACKEND_PACKET));
                channel
                    .pipeline()
                    .addLast(
                        "login",
                        new BackendLogin(
                            connection, tls, clientCapabilities, connection.database(), result));
              }
            })
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                result.completeExceptionally(unavailable(connection, f.cause().getMessage()));
              }
            });
    return result;
  }

  /** Reads a server's greeting only, for its version, and hangs up. */
  static CompletableFuture<String> probe(MysqlDoor door, EventLoop loop, Connection connection) {
    CompletableFuture<String> version = new CompletableFuture<>();
    door.server
        .dialer()
        .connect(
            loop,
            connection,
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel channel) {
                channel.pipeline().addLast("framer", new PacketFramer(64 * 1024));
                channel
                    .pipeline()
                    .addLast(
                        new ChannelInboundHandlerAdapter() {
                          @Override
                          public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            Packet p = (Packet) msg;
                            try {
                              version.complete(HandshakeV10.decode(p.payload()).serverVersion());
                            } catch (RuntimeException e) {
                              version.completeExceptionally(e);
                            } finally {
                              p.release();
                              ctx.close();
                            }
                          }

                          @Override
                          public void channelInactive(ChannelHandlerContext ctx) {
                            version.completeExceptionally(new IllegalStateException("closed"));
                          }
                        });
              }
            })
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                version.completeExceptionally(f.cause());
              }
            });
    return version;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Packet packet = (Packet) msg;
    try {
      if (greeting == null) {
        greeted(ctx, packet);
      } else {
        answered(ctx, packet);
      }
    } catch (RuntimeException e) {
      fail(ctx, e instanceof WardenException w ? w : unavailable(connection, e.getMessage()));
    } finally {
      packet.release();
    }
  }

  private void greeted(ChannelHandlerContext ctx, Packet packet) {
    if (ErrPacket.is(packet)) {
      throw unavailable(connection, ErrPacket.decode(packet.payload()).message());
    }
    greeting = HandshakeV10.decode(packet.payload());
    int server = greeting.capabilities();
    capabilities =
        (clientCapabilities & server & HandshakeHandler.OFFERED)
            | Capabilities.PROTOCOL_41
            | Capabilities.SECURE_CONNECTION
            | Capabilities.PLUGIN_AUTH
            | (server & Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA);
    capabilities &= ~(Capabilities.SSL | Capabilities.CONNECT_ATTRS | Capabilities.CONNECT_WITH_DB);
    if (database != null && !database.isEmpty()) {
      capabilities |= Capabilities.CONNECT_WITH_DB;
    }
    int formats =
        Capabilities.DEPRECATE_EOF
            | Capabilities.SESSION_TRACK
            | Capabilities.MULTI_RESULTS
            | Capabilities.PS_MULTI_RESULTS;
    if ((clientCapabilities & formats) != (capabilities & formats)) {
      throw new WardenException(
          ErrorCode.BACKEND_UNAVAILABLE,
          "the database on connection \""
              + connection.name()
              + "\" does not speak the protocol options this client uses",
          "use a client and server of the same generation");
    }
    plugin = greeting.authPluginName() == null ? NativePassword.PLUGIN : greeting.authPluginName();
    seed = greeting.scramble();
    if (connection.tls().mode() != BackendTlsMode.DISABLE) {
      if (!Capabilities.has(server, Capabilities.SSL) || tls == null) {
        throw new WardenException(
            ErrorCode.BACKEND_UNAVAILABLE,
            "the database on connection \"" + connection.name() + "\" does not offer TLS",
            "enable TLS on the database, or set the connection's tls.mode to disable");
      }
      int ssl = capabilities | Capabilities.SSL;
      capabilities = ssl;
      ctx.writeAndFlush(new Packet(1, new SslRequest(ssl, 1 << 24, 45).encode()));
      SslHandler handler = tls.newHandler(ctx.alloc(), connection.host(), connection.port());
      ctx.pipeline().addFirst("tls", handler);
      overTls = true;
      handler
          .handshakeFuture()
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  sendResponse(ctx, 2);
                } else {
                  fail(ctx, unavailable(connection, "TLS: " + tlsFailure(f.cause())));
                }
              });
      return;
    }
    sendResponse(ctx, 1);
  }

  private void sendResponse(ChannelHandlerContext ctx, int sequenceId) {
    HandshakeResponse41 response =
        new HandshakeResponse41(
            capabilities,
            1 << 24,
            45,
            connection.user(),
            scramble(plugin, seed),
            database,
            plugin,
            Map.of());
    ctx.writeAndFlush(new Packet(sequenceId, response.encode()));
  }

  private byte[] scramble(String pluginName, byte[] data) {
    String password = connection.password() == null ? "" : connection.password().value();
    return switch (pluginName) {
      case NativePassword.PLUGIN -> NativePassword.scramble(password, data);
      case CachingSha2Password.PLUGIN -> CachingSha2Password.scramble(password, data);
      case HandshakeHandler.CLEAR_PASSWORD -> {
        if (!overTls) {
          throw new WardenException(
              ErrorCode.BACKEND_UNAVAILABLE,
              "the database asks for the password in clear without TLS",
              "set the connection's tls.mode to require");
        }
        yield CachingSha2Password.clear(password);
      }
      default ->
          throw new WardenException(
              ErrorCode.BACKEND_UNAVAILABLE,
              "the database user of connection \""
                  + connection.name()
                  + "\" authenticates with "
                  + pluginName
                  + ", which Warden does not speak",
              "give Warden's database user mysql_native_password or caching_sha2_password");
    };
  }

  private void answered(ChannelHandlerContext ctx, Packet packet) {
    int next = packet.lastSequenceId() + 1;
    if (OkPacket.is(packet)) {
      OkPacket ok = OkPacket.decode(packet.payload());
      ctx.pipeline().remove(this);
      result.complete(new Backend(ctx.channel(), greeting, capabilities, ok.status()));
      return;
    }
    if (ErrPacket.is(packet)) {
      throw new WardenException(
          ErrorCode.BACKEND_UNAVAILABLE,
          "the database refused the gateway's login on connection \""
              + connection.name()
              + "\": "
              + ErrPacket.decode(packet.payload()).message(),
          "check the connection's user and password in Warden's configuration");
    }
    if (packet.header() == AuthSwitchRequest.HEADER) {
      AuthSwitchRequest request = AuthSwitchRequest.decode(packet.payload());
      plugin = request.pluginName();
      seed = request.data();
      ctx.writeAndFlush(Packet.of(next, scramble(plugin, seed)));
      return;
    }
    if (packet.header() == AuthMoreData.HEADER) {
      byte[] data = AuthMoreData.decode(packet.payload()).data();
      if (data.length == 1 && data[0] == AuthMoreData.FAST_AUTH_SUCCESS) {
        return; // the OK follows
      }
      String password = connection.password() == null ? "" : connection.password().value();
      if (data.length == 1 && data[0] == AuthMoreData.PERFORM_FULL_AUTHENTICATION) {
        if (overTls) {
          ctx.writeAndFlush(Packet.of(next, CachingSha2Password.clear(password)));
        } else {
          ctx.writeAndFlush(Packet.of(next, new byte[] {CachingSha2Password.REQUEST_PUBLIC_KEY}));
        }
        return;
      }
      try {
        String pem = new String(data, StandardCharsets.US_ASCII);
        ctx.writeAndFlush(Packet.of(next, CachingSha2Password.encrypt(password, seed, pem)));
      } catch (java.security.GeneralSecurityException e) {
        throw unavailable(connection, "the database's public key is unusable: " + e.getMessage());
      }
      return;
    }
    throw unavailable(connection, "unexpected packet during login");
  }

  private void fail(ChannelHandlerContext ctx, WardenException e) {
    if (result.completeExceptionally(e)) {
      ctx.close();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    result.completeExceptionally(unavailable(connection, "the database closed the connection"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, unavailable(connection, cause.getMessage()));
  }

  static WardenException unavailable(Connection connection, String why) {
    return new WardenException(
        ErrorCode.BACKEND_UNAVAILABLE,
        "the database of connection \"" + connection.name() + "\" is unavailable: " + why,
        null);
  }

  /**
   * Why a TLS handshake with the database failed, in words an operator can act on: the root cause
   * (a certificate the configured CA did not sign, a host name it does not carry), not the engine's
   * wrapper.
   */
  static String tlsFailure(Throwable cause) {
    Throwable root = cause;
    boolean certificate = false;
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      root = t;
      certificate |=
          t instanceof java.security.cert.CertPathValidatorException
              || t instanceof java.security.cert.CertificateException
              || t instanceof java.security.SignatureException;
    }
    String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    if (certificate || why.contains("certification path")) {
      return "the database's certificate is not trusted ("
          + why
          + "); check the connection's tls.ca";
    }
    return why;
  }
}
