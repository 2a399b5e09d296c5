package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.protocol.postgres.message.SslRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * Asks the database for TLS (SSLRequest), reads its one-byte answer, starts TLS and removes itself.
 * Fires {@link #READY} once the handshake is done, or fails when the database declines.
 */
final class BackendTlsNegotiator extends ByteToMessageDecoder {
  /** The user event that says the backend connection may now carry the startup message. */
  static final Object READY =
      new Object() {
        @Override
        public String toString() {
          return "BackendReady";
        }
      };

  private final SslContext sslContext;
  private final String host;
  private final int port;

  BackendTlsNegotiator(SslContext sslContext, String host, int port) {
    this.sslContext = sslContext;
    this.host = host;
    this.port = port;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(new SslRequest());
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    byte answer = in.readByte();
    if (answer != 'S') {
      throw new WardenException(
          ErrorCode.BACKEND_UNAVAILABLE,
          "the database does not accept TLS, which the connection requires");
    }
    if (in.isReadable()) {
      // Bytes before the handshake would be taken as encrypted (CVE-2021-23222).
      throw new WardenException(
          ErrorCode.BACKEND_UNAVAILABLE, "the database sent unencrypted data after accepting TLS");
    }
    io.netty.channel.Channel channel = ctx.channel();
    SslHandler ssl = sslContext.newHandler(ctx.alloc(), host, port);
    ctx.pipeline().addFirst("tls", ssl);
    ctx.pipeline().remove(this);
    ssl.handshakeFuture()
        .addListener(
            f -> {
              if (f.isSuccess()) {
                channel.pipeline().fireUserEventTriggered(READY);
              } else {
                channel
                    .pipeline()
                    .fireExceptionCaught(
                        new WardenException(
                            ErrorCode.BACKEND_UNAVAILABLE,
                            "TLS handshake with the database failed: " + f.cause().getMessage()));
              }
            });
  }
}
