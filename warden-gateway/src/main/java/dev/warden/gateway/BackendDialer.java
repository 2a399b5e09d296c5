package dev.warden.gateway;

import dev.warden.core.error.WardenException;
import dev.warden.gateway.agent.AgentHub;
import dev.warden.gateway.config.WardenConfig.Connection;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a door reaches a connection's database: a TCP connection to its address, or, for a connection
 * routed through an agent ({@code agent:}), the agent hub's Unix socket for it, whose other end is
 * a stream of the agent's tunnel. Either way the door gets a channel on the session's own event
 * loop and speaks the database's protocol over it, TLS to the database included.
 */
public final class BackendDialer {
  private final Transport transport;
  private final AgentHub agents;
  private final Duration connectTimeout;

  /** {@code agents}: null when no agent is configured. */
  public BackendDialer(Transport transport, AgentHub agents, Duration connectTimeout) {
    this.transport = transport;
    this.agents = agents;
    this.connectTimeout = connectTimeout;
  }

  /**
   * Connects to the database of {@code connection} on {@code loop}, with {@code handler} as the
   * channel's initializer. Fails at once, saying so, when the connection's agent is not connected.
   */
  public Future<?> connect(EventLoop loop, Connection connection, ChannelHandler handler) {
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .handler(handler)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis());
    if (!connection.viaAgent()) {
      return bootstrap
          .channel(transport.channelClass())
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.SO_KEEPALIVE, true)
          .connect(connection.host(), connection.port());
    }
    Path socket = agents == null ? null : agents.socket(connection);
    if (socket == null) {
      return loop.newFailedFuture(
          new ConnectException(
              "it is reached through agent '"
                  + connection.agent()
                  + "', which is not connected to this gateway (start warden agent beside the"
                  + " database, or check its log)"));
    }
    return bootstrap
        .channel(transport.domainChannelClass())
        .connect(transport.domainAddress(socket));
  }

  /**
   * A door's failure to start a session on {@code connection}, said better when the connection's
   * agent just failed to open its tunnel (the door itself only saw the socket close): which agent,
   * and why, instead of "the database closed the connection".
   */
  public WardenException explain(Connection connection, WardenException failure) {
    if (!connection.viaAgent() || agents == null) {
      return failure;
    }
    return agents
        .recentFailure(connection, connectTimeout.multipliedBy(2))
        .map(
            reason ->
                new WardenException(
                    failure.code(),
                    "cannot reach the database of connection '"
                        + connection.name()
                        + "': "
                        + reason,
                    failure.hint(),
                    failure))
        .orElse(failure);
  }
}
