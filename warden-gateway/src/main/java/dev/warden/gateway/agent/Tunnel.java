package dev.warden.gateway.agent;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Joins an HTTP/2 stream and a byte channel (the database's socket at the agent, the session's Unix
 * socket at the gateway), both on the same event loop: DATA frames one way, buffers the other. A
 * side that cannot take more stops the other from reading (HTTP/2 then stops granting that stream
 * window, and only that stream waits); either side closing closes the other once what it sent is
 * written.
 */
final class Tunnel {
  private Tunnel() {}

  /** Starts relaying between {@code stream} and {@code bytes}; both must share an event loop. */
  static void join(Channel stream, Channel bytes) {
    stream.pipeline().addLast("tunnel", new Side(bytes, true));
    bytes.pipeline().addLast("tunnel", new Side(stream, false));
    stream.config().setAutoRead(true);
    bytes.config().setAutoRead(true);
    stream.read();
    bytes.read();
  }

  /** Closes a byte channel after what was written to it is flushed. */
  static void closeAfterFlush(Channel channel) {
    if (channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Ends a stream the HTTP/2 way (an empty DATA frame with END_STREAM, after what was written); the
   * stream closes when the other end has ended too, and is reset if the frame cannot go.
   */
  static void endStream(Channel stream) {
    if (stream.isActive()) {
      stream
          .writeAndFlush(new DefaultHttp2DataFrame(Unpooled.EMPTY_BUFFER, true))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  private static final class Side extends ChannelInboundHandlerAdapter {
    private final Channel peer;
    private final boolean fromStream;
    private boolean peerClosed;

    Side(Channel peer, boolean fromStream) {
      this.peer = peer;
      this.fromStream = fromStream;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Object out;
      boolean end = false;
      if (fromStream) {
        if (msg instanceof Http2DataFrame data) {
          out = data.content().retain();
          end = data.isEndStream();
          data.release();
        } else {
          end = msg instanceof Http2HeadersFrame headers && headers.isEndStream();
          ReferenceCountUtil.release(msg);
          out = null;
        }
      } else {
        out = new DefaultHttp2DataFrame((ByteBuf) msg);
      }
      if (out != null) {
        peer.writeAndFlush(out, peer.voidPromise());
        if (!peer.isWritable()) {
          ctx.channel().config().setAutoRead(false);
        }
      }
      if (end) {
        closePeer();
      }
    }

    private void closePeer() {
      if (peerClosed) {
        return;
      }
      peerClosed = true;
      if (fromStream) {
        closeAfterFlush(peer);
      } else {
        endStream(peer);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        peer.config().setAutoRead(true);
        peer.read();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closePeer();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
      peer.close();
    }
  }
}
