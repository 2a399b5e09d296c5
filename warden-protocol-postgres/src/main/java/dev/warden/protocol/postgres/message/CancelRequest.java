package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The CancelRequest packet, sent on a new connection to cancel a running statement. */
public record CancelRequest(int processId, int secretKey) implements StartupPacket {

  static CancelRequest decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 8, "CancelRequest");
    return new CancelRequest(body.readInt(), body.readInt());
  }

  @Override
  public void encode(ByteBuf out) {
    out.writeInt(16).writeInt(CANCEL_REQUEST_CODE).writeInt(processId).writeInt(secretKey);
  }
}
