package dev.warden.protocol.mysql.codec;

import dev.warden.protocol.mysql.message.Packet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits a stream of MySQL packets (3-byte little-endian length, sequence id, payload) into logical
 * {@link Packet}s: a payload of exactly 16 MiB - 1 continues in the next physical packet, whose
 * sequence id must follow, and the parts are joined (without copying). A logical packet longer than
 * the maximum is rejected as soon as a header says so, before any buffering for it. The maximum can
 * be changed between phases; it is only touched on the channel's event loop. With {@link
 * #setSingleDecode}, it hands on one packet per read and keeps the rest (for a phase that changes
 * the pipeline after a packet, as the switch to TLS does).
 */
public final class PacketFramer extends ByteToMessageDecoder {
  private static final int HEADER_BYTES = 4;

  private int maxPacketBytes;
  private CompositeByteBuf pending;
  private int pendingSequenceId;
  private int lastSequenceId;

  public PacketFramer(int maxPacketBytes) {
    this.maxPacketBytes = maxPacketBytes;
  }

  public void setMaxPacketBytes(int maxPacketBytes) {
    this.maxPacketBytes = maxPacketBytes;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= HEADER_BYTES) {
      int start = in.readerIndex();
      int length = in.getUnsignedMediumLE(start);
      int sequenceId = in.getUnsignedByte(start + 3);
      long total = (pending == null ? 0L : pending.readableBytes()) + length;
      if (total > maxPacketBytes) {
        // Nothing after a broken header can be framed: drop it, so nothing is decoded again.
        in.skipBytes(in.readableBytes());
        throw new TooLongFrameException(
            "packet of "
                + total
                + (length == Packet.MAX_PHYSICAL ? "+" : "")
                + " bytes exceeds the limit of "
                + maxPacketBytes
                + " bytes");
      }
      if (pending != null && sequenceId != ((lastSequenceId + 1) & 0xFF)) {
        in.skipBytes(in.readableBytes());
        throw new CorruptedFrameException(
            "a split packet continues with sequence id " + sequenceId + " after " + lastSequenceId);
      }
      if (in.readableBytes() < HEADER_BYTES + length) {
        return;
      }
      in.skipBytes(HEADER_BYTES);
      ByteBuf part = in.readRetainedSlice(length);
      lastSequenceId = sequenceId;
      if (length == Packet.MAX_PHYSICAL) {
        if (pending == null) {
          pending = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
          pendingSequenceId = sequenceId;
        }
        pending.addComponent(true, part);
        continue;
      }
      if (pending == null) {
        out.add(new Packet(sequenceId, part));
      } else {
        pending.addComponent(true, part);
        out.add(new Packet(pendingSequenceId, pending));
        pending = null;
      }
      if (isSingleDecode()) {
        // One packet at a time (a phase may change the pipeline after it, e.g. start TLS).
        return;
      }
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (pending != null) {
      pending.release();
      pending = null;
    }
  }
}
