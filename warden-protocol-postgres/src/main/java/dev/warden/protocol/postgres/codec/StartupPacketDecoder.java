package dev.warden.protocol.postgres.codec;

import dev.warden.protocol.postgres.message.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Decodes the untyped packets of a connection's first phase (SSLRequest, GSSENCRequest,
 * CancelRequest, StartupMessage) into {@link StartupPacket} records. PostgreSQL caps these at
 * 10,000 bytes; so do we.
 */
public final class StartupPacketDecoder extends LengthFieldBasedFrameDecoder {
  public static final int MAX_STARTUP_PACKET_BYTES = 10_000;

  public StartupPacketDecoder() {
    super(MAX_STARTUP_PACKET_BYTES, 0, 4, -4, 4, true);
  }

  /** Bytes received but not yet decoded: after an SSLRequest there must be none. */
  public int bufferedBytes() {
    return actualReadableBytes();
  }

  @Override
  protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
    ByteBuf body = (ByteBuf) super.decode(ctx, in);
    if (body == null) {
      return null;
    }
    try {
      return StartupPacket.decode(body);
    } finally {
      body.release();
    }
  }
}
