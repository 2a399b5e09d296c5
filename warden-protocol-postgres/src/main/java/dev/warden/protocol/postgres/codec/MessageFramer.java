package dev.warden.protocol.postgres.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a stream of typed messages (type byte, Int32 length counting itself, body) into whole
 * frames, each a retained slice of the input: no copy. A length over the maximum, or under 4, is
 * rejected as soon as the header arrives, before any buffering for it. The maximum can be lowered
 * for a phase (authentication) and raised after, without replacing the handler and so without
 * losing bytes it already holds; it is only touched on the channel's event loop.
 */
public final class MessageFramer extends ByteToMessageDecoder {
  private static final int HEADER_BYTES = 5;
  private int maxMessageBytes;

  public MessageFramer(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  public void setMaxMessageBytes(int maxMessageBytes) {
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= HEADER_BYTES) {
      int start = in.readerIndex();
      long length = in.getUnsignedInt(start + 1);
      if (length < 4) {
        throw new CorruptedFrameException("message length " + length + " is less than 4");
      }
      if (length > maxMessageBytes) {
        throw new TooLongFrameException(
            "message length " + length + " exceeds the limit of " + maxMessageBytes + " bytes");
      }
      int frameBytes = (int) length + 1;
      if (in.readableBytes() < frameBytes) {
        return;
      }
      out.add(in.retainedSlice(start, frameBytes));
      in.skipBytes(frameBytes);
    }
  }
}
