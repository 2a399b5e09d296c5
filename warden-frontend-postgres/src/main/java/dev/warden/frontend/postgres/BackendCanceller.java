package dev.warden.frontend.postgres;

import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.postgres.message.CancelRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends a CancelRequest with a backend's own key to its database, over TLS when configured. */
final class BackendCanceller {
  private static final Logger LOG = LoggerFactory.getLogger(BackendCanceller.class);

  private BackendCanceller() {}

  static void cancel(PostgresContext context, EventLoop loop, CancelRegistry.Target target) {
    Connection connection = context.config().connections().get(target.connection());
    if (connection == null) {
      return;
    }
    CancelRequest request =
        new CancelRequest(target.backendKey().processId(), target.backendKey().secretKey());
    context
        .server()
        .dialer()
        .connect(
            loop,
            connection,
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel channel) {
                BackendConnector.addTls(context, channel, connection);
                channel
                    .pipeline()
                    .addLast(
                        new ChannelInboundHandlerAdapter() {
                          @Override
                          public void channelActive(ChannelHandlerContext ctx) {
                            if (ctx.pipeline().get(BackendTlsNegotiator.class) == null) {
                              send(ctx);
                            }
                          }

                          @Override
                          public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                            if (event == BackendTlsNegotiator.READY) {
                              send(ctx);
                            }
                          }

                          private void send(ChannelHandlerContext ctx) {
                            ctx.writeAndFlush(request).addListener(ChannelFutureListener.CLOSE);
                          }

                          @Override
                          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            LOG.debug(
                                "cancel request to connection {} failed: {}",
                                connection.name(),
                                cause.toString());
                            ctx.close();
                          }
                        });
              }
            });
  }
}
