package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.gateway.SessionRegistry;
import dev.warden.protocol.postgres.codec.MessageFramer;
import dev.warden.protocol.postgres.codec.StartupPacketDecoder;
import dev.warden.protocol.postgres.message.AuthenticationCleartextPassword;
import dev.warden.protocol.postgres.message.CancelRequest;
import dev.warden.protocol.postgres.message.GssEncRequest;
import dev.warden.protocol.postgres.message.NegotiateProtocolVersion;
import dev.warden.protocol.postgres.message.ProtocolViolation;
import dev.warden.protocol.postgres.message.SslRequest;
import dev.warden.protocol.postgres.message.StartupMessage;
import dev.warden.protocol.postgres.message.StartupPacket;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * The first phase: TLS and GSS negotiation, cancel requests, and the StartupMessage. Plain-text
 * sessions are refused unless explicitly allowed on loopback. Hands over to authentication.
 */
final class StartupHandler extends ClientPhaseHandler {
  /**
   * Authentication messages are small: a password message carries a key or a token, and tokens over
   * 16 KiB are refused by the authenticator with a reason. Anything past 64 KiB is refused as a
   * protocol violation before it is buffered.
   */
  static final int MAX_AUTHENTICATION_MESSAGE_BYTES = 64 * 1024;

  private final PostgresContext context;

  StartupHandler(PostgresContext context) {
    super(context.metrics());
    this.context = context;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch ((StartupPacket) msg) {
      case SslRequest r -> startTls(ctx);
      case GssEncRequest r -> {
        requireNothingBuffered(ctx, "GSSENCRequest");
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
      }
      case CancelRequest r -> {
        context
            .cancels()
            .find(r.processId(), r.secretKey())
            .ifPresent(t -> BackendCanceller.cancel(context, ctx.channel().eventLoop(), t));
        ctx.close();
      }
      case StartupMessage m -> startup(ctx, m);
    }
  }

  private void startTls(ChannelHandlerContext ctx) {
    if (ctx.pipeline().get(SslHandler.class) != null) {
      throw new ProtocolViolation("SSLRequest on a connection that already uses TLS");
    }
    // Bytes sent after SSLRequest but before the TLS handshake would be read as if they had
    // been encrypted (CVE-2021-23214); refuse them.
    requireNothingBuffered(ctx, "SSLRequest");
    ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
    ctx.pipeline().addFirst("tls", context.clientTls().newHandler(ctx.alloc()));
  }

  private static void requireNothingBuffered(ChannelHandlerContext ctx, String request) {
    StartupPacketDecoder decoder = ctx.pipeline().get(StartupPacketDecoder.class);
    if (decoder != null && decoder.bufferedBytes() > 0) {
      throw new ProtocolViolation("unencrypted data received after " + request);
    }
  }

  private void startup(ChannelHandlerContext ctx, StartupMessage message) {
    boolean tls = ctx.pipeline().get(SslHandler.class) != null;
    if (!tls
        && !(context.config().tls().allowPlaintextOnLoopback()
            && isLoopback(ctx.channel().remoteAddress()))) {
      throw new WardenException(
          ErrorCode.AUTHORIZATION_REFUSED,
          "TLS is required: this connection is not encrypted",
          "connect with sslmode=require, or sslmode=verify-full with sslrootcert set to the gateway's CA certificate");
    }
    if (context.sessions().draining()) {
      // As PostgreSQL itself does while it shuts down: told after the TLS handshake, where libpq
      // shows the message.
      throw SessionRegistry.shuttingDown();
    }
    if (message.majorVersion() != 3) {
      throw new WardenException(
          ErrorCode.FEATURE_NOT_SUPPORTED,
          "unsupported frontend protocol "
              + message.majorVersion()
              + "."
              + message.minorVersion()
              + ": Warden speaks 3.0",
          null);
    }
    StartupParameters parameters = StartupParameters.of(message.parameters());
    List<String> options = StartupParameters.protocolOptions(message.parameters());
    if (message.minorVersion() > 0 || !options.isEmpty()) {
      ctx.write(new NegotiateProtocolVersion(0, options));
    }
    ctx.writeAndFlush(new AuthenticationCleartextPassword());
    // The framer goes in before the startup decoder leaves, so bytes it still holds are framed.
    ctx.pipeline()
        .addAfter(ctx.name(), "framer", new MessageFramer(MAX_AUTHENTICATION_MESSAGE_BYTES));
    ctx.pipeline()
        .addAfter("framer", "authentication", new AuthenticationHandler(context, parameters, tls));
    ctx.pipeline().remove(this);
    ctx.pipeline().remove(StartupPacketDecoder.class);
  }

  private static boolean isLoopback(SocketAddress address) {
    return address instanceof InetSocketAddress inet
        && inet.getAddress() != null
        && inet.getAddress().isLoopbackAddress();
  }
}
