package dev.warden.protocol.postgres.codec;

import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.StartupPacket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes message records to bytes. Stateless, so one instance serves every channel. Raw {@link
 * ByteBuf} frames that the relay forwards unchanged pass through untouched.
 */
@Sharable
public final class MessageEncoder extends MessageToByteEncoder<Object> {

  @Override
  public boolean acceptOutboundMessage(Object msg) {
    return msg instanceof BackendMessage
        || msg instanceof FrontendMessage
        || msg instanceof StartupPacket;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) {
    switch (msg) {
      case BackendMessage m -> m.encode(out);
      case FrontendMessage m -> m.encode(out);
      case StartupPacket m -> m.encode(out);
      default -> throw new IllegalArgumentException("not a PostgreSQL message: " + msg.getClass());
    }
  }
}
