package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The BackendKeyData message: the process id and secret a client needs to cancel a statement. */
public record BackendKeyData(int processId, int secretKey) implements BackendMessage {
  public static final char TYPE = 'K';

  static BackendKeyData decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 8, "BackendKeyData");
    return new BackendKeyData(body.readInt(), body.readInt());
  }

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(12).writeInt(processId).writeInt(secretKey);
  }

  @Override
  public String toString() {
    return "BackendKeyData[processId=" + processId + ", secretKey=<redacted>]";
  }
}
