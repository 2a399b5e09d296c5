package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The GSSENCRequest packet: the client asks for GSSAPI encryption, which Warden declines. */
public record GssEncRequest() implements StartupPacket {
  @Override
  public void encode(ByteBuf out) {
    out.writeInt(8).writeInt(GSSENC_REQUEST_CODE);
  }
}
