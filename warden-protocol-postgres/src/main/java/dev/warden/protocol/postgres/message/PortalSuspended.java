package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The PortalSuspended message: an Execute reached its row limit before the end. */
public record PortalSuspended() implements BackendMessage {
  public static final char TYPE = 's';

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(4);
  }
}
