package dev.warden.gateway;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * The network transport: native epoll where available, NIO elsewhere. Unix domain sockets carry a
 * session's bytes between its event loop and an agent tunnel's (see {@code AgentHub}).
 */
public record Transport(
    String name,
    IoHandlerFactory ioHandlerFactory,
    Class<? extends ServerChannel> serverChannelClass,
    Class<? extends Channel> channelClass,
    Class<? extends ServerChannel> domainServerChannelClass,
    Class<? extends Channel> domainChannelClass) {

  /** A Unix domain socket's address as this transport's channels take it. */
  public SocketAddress domainAddress(Path path) {
    return name.equals("epoll")
        ? new DomainSocketAddress(path.toFile())
        : UnixDomainSocketAddress.of(path);
  }

  public static Transport best() {
    if (Epoll.isAvailable()) {
      return new Transport(
          "epoll",
          EpollIoHandler.newFactory(),
          EpollServerSocketChannel.class,
          EpollSocketChannel.class,
          EpollServerDomainSocketChannel.class,
          EpollDomainSocketChannel.class);
    }
    return nio();
  }

  public static Transport nio() {
    return new Transport(
        "nio",
        NioIoHandler.newFactory(),
        NioServerSocketChannel.class,
        NioSocketChannel.class,
        NioServerDomainSocketChannel.class,
        NioDomainSocketChannel.class);
  }
}
