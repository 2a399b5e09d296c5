package dev.warden.gateway.agent;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an agent link honest from both ends: after {@code interval} with nothing received it sends
 * an HTTP/2 PING (the other end answers at once), and after {@link #MISSES} such intervals with
 * nothing at all it closes the link. A link that died silently (a NAT or firewall that forgot it, a
 * cable pulled) is then found in about three intervals, not after TCP's retransmissions give up
 * (minutes) or its keepalive (hours): the gateway stops routing sessions into it and says the agent
 * is not connected, and the agent dials again.
 */
final class Keepalive extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(Keepalive.class);

  /** Quiet intervals, each with a PING unanswered, after which the link is taken for dead. */
  static final int MISSES = 3;

  private final String side;
  private int quiet;
  private volatile long lastRead = System.nanoTime();

  private Keepalive(String side) {
    this.side = side;
  }

  /**
   * Adds the keepalive after {@code after} (the TLS handler: every byte received counts as life),
   * for the link seen from {@code side} (for the log).
   */
  static void install(ChannelPipeline pipeline, String after, Duration interval, String side) {
    pipeline.addAfter(
        after, "idle", new IdleStateHandler(interval.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
    pipeline.addAfter("idle", "keepalive", new Keepalive(side));
  }

  /** Sends a PING on the link now (any thread): a live peer answers within a round trip. */
  static void ping(Channel link) {
    link.writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
  }

  /** Whether anything arrived on the link after {@code since} ({@link System#nanoTime}). */
  static boolean heardSince(Channel link, long since) {
    Keepalive keepalive = link.pipeline().get(Keepalive.class);
    return keepalive != null && keepalive.lastRead - since > 0;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastRead = System.nanoTime();
    ctx.fireChannelRead(msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (!(evt instanceof IdleStateEvent idle) || idle.state() != IdleState.READER_IDLE) {
      super.userEventTriggered(ctx, evt);
      return;
    }
    quiet = idle.isFirst() ? 1 : quiet + 1;
    if (quiet >= MISSES) {
      LOG.warn(
          "{} {} sent nothing, not even a PING answer, for {} keepalive intervals: closing the"
              + " link",
          side,
          ctx.channel().remoteAddress(),
          quiet);
      ctx.close();
      return;
    }
    ping(ctx.channel()); // from the pipeline's tail, so that the HTTP/2 codec encodes it
  }
}
