package dev.warden.frontend.mysql;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.protocol.mysql.codec.PacketFramer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Builds a MySQL client connection's pipeline: encoder → framer (small packets only until the
 * session starts) → the greeting and authentication phase, which hands over to the command relay.
 */
final class MysqlChannelInitializer extends ChannelInitializer<Channel> {
  /** What a client may send before it has authenticated: a handshake response with a token. */
  static final int STARTUP_MAX_PACKET = 64 * 1024;

  private final MysqlDoor door;

  MysqlChannelInitializer(MysqlDoor door) {
    this.door = door;
  }

  @Override
  protected void initChannel(Channel channel) {
    ChannelPipeline pipeline = channel.pipeline();
    pipeline.addLast("encoder", door.encoder);
    // One packet at a time until TLS is on: what follows an SslRequest is the TLS handshake.
    PacketFramer framer = new PacketFramer(STARTUP_MAX_PACKET);
    framer.setSingleDecode(true);
    pipeline.addLast("framer", framer);
    HandshakeHandler handshake = new HandshakeHandler(door);
    pipeline.addLast("handshake", handshake);
    long timeoutMillis = door.server.config().limits().startupTimeout().toMillis();
    ScheduledFuture<?> deadline =
        channel
            .eventLoop()
            .schedule(
                () -> {
                  if (!handshake.done()) {
                    MysqlErrors.failAndClose(
                        channel,
                        handshake.nextSequenceId(),
                        new WardenException(
                            ErrorCode.STARTUP_TIMEOUT,
                            "authentication did not complete within " + timeoutMillis + " ms",
                            null));
                  }
                },
                timeoutMillis,
                TimeUnit.MILLISECONDS);
    channel.closeFuture().addListener(f -> deadline.cancel(false));
  }
}
