package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The NotificationResponse message: a NOTIFY on a channel this session LISTENs to. */
public record NotificationResponse(int processId, String channel, String payload)
    implements BackendMessage {
  public static final char TYPE = 'A';

  static NotificationResponse decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 4, "NotificationResponse");
    int processId = body.readInt();
    String channel = Wire.readCString(body);
    return new NotificationResponse(processId, channel, Wire.readCString(body));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeInt(processId);
    Wire.writeCString(out, channel);
    Wire.writeCString(out, payload);
    Wire.end(out, lengthIndex);
  }
}
