package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** An untyped packet of the connection's first phase: a startup, TLS, GSS or cancel request. */
public sealed interface StartupPacket
    permits CancelRequest, GssEncRequest, SslRequest, StartupMessage {

  int SSL_REQUEST_CODE = 80877103;
  int GSSENC_REQUEST_CODE = 80877104;
  int CANCEL_REQUEST_CODE = 80877102;

  /** Writes the whole packet: length and body. */
  void encode(ByteBuf out);

  /** Decodes one packet; {@code body} starts after the length field. */
  static StartupPacket decode(ByteBuf body) {
    Wire.requireReadable(body, 4, "startup packet");
    int code = body.readInt();
    StartupPacket packet =
        switch (code) {
          case SSL_REQUEST_CODE -> new SslRequest();
          case GSSENC_REQUEST_CODE -> new GssEncRequest();
          case CANCEL_REQUEST_CODE -> CancelRequest.decodeBody(body);
          default -> StartupMessage.decodeBody(code, body);
        };
    Wire.requireFullyRead(body, "startup packet");
    return packet;
  }
}
