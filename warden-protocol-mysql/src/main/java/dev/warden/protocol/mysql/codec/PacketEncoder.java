package dev.warden.protocol.mysql.codec;

import dev.warden.protocol.mysql.message.Packet;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Writes {@link Packet}s with their headers, splitting a payload of 16 MiB - 1 or more into
 * physical packets with consecutive sequence ids (and an empty one when it is an exact multiple).
 * Stateless: one instance serves every channel.
 */
@ChannelHandler.Sharable
public final class PacketEncoder extends MessageToByteEncoder<Packet> {
  public PacketEncoder() {
    super(Packet.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Packet packet, ByteBuf out) {
    write(packet, out);
  }

  /** Writes {@code packet}'s header(s) and payload to {@code out}; does not release it. */
  public static void write(Packet packet, ByteBuf out) {
    ByteBuf payload = packet.payload();
    int index = payload.readerIndex();
    int remaining = payload.readableBytes();
    int sequenceId = packet.sequenceId();
    while (true) {
      int length = Math.min(remaining, Packet.MAX_PHYSICAL);
      out.writeMediumLE(length).writeByte(sequenceId & 0xFF);
      out.writeBytes(payload, index, length);
      index += length;
      remaining -= length;
      sequenceId++;
      if (length < Packet.MAX_PHYSICAL) {
        return;
      }
    }
  }
}
