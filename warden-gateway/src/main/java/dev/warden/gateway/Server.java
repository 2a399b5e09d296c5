package dev.warden.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The protocol-neutral server: the event loops and one listener per front door. A door's
 * connections run on the worker loops; each door decides what its pipeline is.
 */
public final class Server implements AutoCloseable {
  /** A door and where it listens. */
  public record Listen(FrontDoor door, String host, int port) {}

  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final Map<String, Channel> listeners;

  private Server(EventLoopGroup acceptors, EventLoopGroup workers, Map<String, Channel> listeners) {
    this.acceptors = acceptors;
    this.workers = workers;
    this.listeners = listeners;
  }

  /**
   * Binds every door's listener; a port in use is a {@link PortInUseException} naming the door's
   * setting, and nothing is left listening.
   */
  public static Server start(ServerContext context, List<Listen> doors) {
    Transport transport = context.transport();
    EventLoopGroup acceptors = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
    // One event loop per core by default, not Netty's two: a proxy's loops only wait on sockets,
    // and extra loops cost context switches (measured: -35% pgbench tps on 2 cores with 4 loops).
    EventLoopGroup workers =
        new MultiThreadIoEventLoopGroup(
            context.config().effectiveWorkerThreads(), transport.ioHandlerFactory());
    Map<String, Channel> listeners = new LinkedHashMap<>();
    Server server = new Server(acceptors, workers, listeners);
    ConnectionGate gate = new ConnectionGate(context.config().limits(), context.metrics());
    try {
      for (Listen listen : doors) {
        ChannelFuture bound =
            new ServerBootstrap()
                .group(acceptors, workers)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(
                    ChannelOption.WRITE_BUFFER_WATER_MARK,
                    new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(gated(gate, listen.door()))
                .bind(listen.host(), listen.port())
                .awaitUninterruptibly();
        if (!bound.isSuccess()) {
          throw bindFailure(listen.door().setting(), listen.host(), listen.port(), bound.cause());
        }
        listeners.put(listen.door().setting(), bound.channel());
      }
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * A door's connections pass the gate first: one over the starting limits is closed before the
   * door sees it.
   */
  private static ChannelInitializer<Channel> gated(ConnectionGate gate, FrontDoor door) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(Channel channel) {
        if (gate.admit(channel)) {
          channel.pipeline().addLast(door.initializer());
        } else {
          channel.close();
        }
      }
    };
  }

  /** A listener that did not bind: a port in use is said plainly, anything else as it is. */
  public static RuntimeException bindFailure(String setting, String host, int port, Throwable e) {
    // Netty's native transports report it as an IOException naming the errno, not BindException.
    if (e instanceof BindException
        || String.valueOf(e.getMessage()).contains("Address already in use")) {
      return new PortInUseException(setting, host, port, e);
    }
    return new IllegalStateException(
        setting + ": cannot listen on " + host + ":" + port + ": " + e, e);
  }

  /** The port a door's listener is bound to. */
  public int port(String setting) {
    return ((InetSocketAddress) listeners.get(setting).localAddress()).getPort();
  }

  /** Whether every listener is still accepting connections (for health checks). */
  public boolean listening() {
    return !listeners.isEmpty() && listeners.values().stream().allMatch(Channel::isActive);
  }

  /** Where a door's listener is bound (for the log). */
  public Object address(String setting) {
    return listeners.get(setting).localAddress();
  }

  @Override
  public void close() {
    listeners.values().forEach(c -> c.close().syncUninterruptibly());
    acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
