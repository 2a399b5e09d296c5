package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.gateway.ConnectionGate;
import dev.warden.protocol.postgres.codec.StartupPacketDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Builds a client connection's pipeline. It starts as: encoder → startup decoder → startup handler.
 * Each phase replaces itself: startup adds TLS and hands over to authentication, which hands over
 * to the relay once the backend is ready.
 */
public final class ClientChannelInitializer extends ChannelInitializer<Channel> {
  static final AttributeKey<ScheduledFuture<?>> STARTUP_DEADLINE =
      AttributeKey.valueOf("warden.startupDeadline");
  private final PostgresContext context;

  public ClientChannelInitializer(PostgresContext context) {
    this.context = context;
  }

  @Override
  protected void initChannel(Channel channel) {
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addLast("encoder", context.encoder());
    pipeline.addLast("startup-decoder", new StartupPacketDecoder());
    pipeline.addLast("startup", new StartupHandler(context));
    long timeoutMillis = context.config().limits().startupTimeout().toMillis();
    ScheduledFuture<?> deadline =
        channel
            .eventLoop()
            .schedule(
                () ->
                    PostgresErrors.failAndClose(
                        channel,
                        new WardenException(
                            ErrorCode.STARTUP_TIMEOUT,
                            "startup and authentication did not complete within "
                                + timeoutMillis
                                + " ms",
                            null)),
                timeoutMillis,
                TimeUnit.MILLISECONDS);
    channel.attr(STARTUP_DEADLINE).set(deadline);
    channel.closeFuture().addListener(f -> deadline.cancel(false));
  }

  /**
   * Called when the session is established: the startup deadline no longer applies, and its place
   * among the connections still starting is free (it holds a session's place now).
   */
  static void startupComplete(Channel channel) {
    ConnectionGate.established(channel);
    ScheduledFuture<?> deadline = channel.attr(STARTUP_DEADLINE).getAndSet(null);
    if (deadline != null) {
      deadline.cancel(false);
    }
  }
}
