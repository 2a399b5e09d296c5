package dev.warden.gateway;

import dev.warden.gateway.config.WardenConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a connection may hold before it is a session. Every door's connections pass here first: a
 * connection still starting (TLS handshake, startup, authentication) takes a place among at most
 * {@code limits.maxStartingConnections}, and at most {@code limits.maxStartingPerAddress} from its
 * source address, apart from the sessions' places ({@code limits.maxClientConnections}, taken by
 * the door once a client has authenticated); one over either limit is closed at once, before any
 * handshake costs anything; one that sends nothing within {@code limits.firstByteTimeout} is
 * dropped. So one source holding half-open connections — reopened as fast as they are dropped —
 * keeps only its own few places, and everyone else's logins go on. The door calls {@link
 * #established} when its session is up.
 */
public final class ConnectionGate {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGate.class);
  private static final AttributeKey<Slot> SLOT = AttributeKey.valueOf("warden.startingSlot");
  private static final long LOG_EVERY_MILLIS = 10_000;

  private final WardenConfig.Limits limits;
  private final GatewayMetrics metrics;
  private final AtomicInteger starting;
  private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress =
      new ConcurrentHashMap<>();
  private volatile long lastLogMillis;

  public ConnectionGate(WardenConfig.Limits limits, GatewayMetrics metrics) {
    this.limits = limits;
    this.metrics = metrics;
    this.starting = metrics.startingConnections();
  }

  /** A place among the starting connections, given back once (established or closed). */
  private final class Slot {
    final InetAddress address;
    final AtomicBoolean released = new AtomicBoolean();

    Slot(InetAddress address) {
      this.address = address;
    }

    void release() {
      if (released.compareAndSet(false, true)) {
        starting.decrementAndGet();
        if (address != null) {
          perAddress.computeIfPresent(
              address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
      }
    }
  }

  /**
   * Takes a starting place for a new connection; false when it must be closed at once (it was
   * counted). Then a silent connection is dropped after {@code limits.firstByteTimeout}.
   */
  public boolean admit(Channel channel) {
    InetAddress address =
        channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
    if (starting.incrementAndGet() > limits.maxStartingConnections()) {
      starting.decrementAndGet();
      refused(false, address);
      return false;
    }
    if (address != null) {
      AtomicInteger count = perAddress.computeIfAbsent(address, a -> new AtomicInteger());
      if (count.incrementAndGet() > limits.maxStartingPerAddress()) {
        count.decrementAndGet();
        perAddress.computeIfPresent(address, (a, c) -> c.get() <= 0 ? null : c);
        starting.decrementAndGet();
        refused(true, address);
        return false;
      }
    }
    Slot slot = new Slot(address);
    channel.attr(SLOT).set(slot);
    channel.closeFuture().addListener(f -> slot.release());
    long silentMillis = limits.firstByteTimeout().toMillis();
    ScheduledFuture<?> silent =
        channel
            .eventLoop()
            .schedule(
                () -> {
                  metrics.silentDropped();
                  channel.close();
                },
                silentMillis,
                TimeUnit.MILLISECONDS);
    channel.pipeline().addFirst("first-byte", new FirstByte(silent));
    channel.closeFuture().addListener(f -> silent.cancel(false));
    return true;
  }

  /** The door's session on this connection is up: its starting place is free again. */
  public static void established(Channel channel) {
    Slot slot = channel.attr(SLOT).getAndSet(null);
    if (slot != null) {
      slot.release();
    }
  }

  private void refused(boolean byAddress, InetAddress address) {
    metrics.startingRefused(byAddress);
    long now = System.currentTimeMillis();
    if (now - lastLogMillis >= LOG_EVERY_MILLIS) {
      lastLogMillis = now;
      LOG.warn(
          "refusing new connections{}: {} (further refusals counted in"
              + " warden_client_connections_total, logged at most every 10 s)",
          byAddress ? " from " + address.getHostAddress() : "",
          byAddress
              ? "more than limits.maxStartingPerAddress ("
                  + limits.maxStartingPerAddress()
                  + ") still starting from that address"
              : "more than limits.maxStartingConnections ("
                  + limits.maxStartingConnections()
                  + ") still starting");
    }
  }

  /** Cancels the silence timer at the first byte, then leaves the pipeline. */
  private static final class FirstByte extends ChannelInboundHandlerAdapter {
    private final ScheduledFuture<?> silent;

    FirstByte(ScheduledFuture<?> silent) {
      this.silent = silent;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      silent.cancel(false);
      ctx.pipeline().remove(this);
      ctx.fireChannelRead(msg);
    }
  }
}
