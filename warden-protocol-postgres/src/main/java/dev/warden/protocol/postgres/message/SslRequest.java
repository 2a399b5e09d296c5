package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The SSLRequest packet: the client asks to switch to TLS before startup. */
public record SslRequest() implements StartupPacket {
  @Override
  public void encode(ByteBuf out) {
    out.writeInt(8).writeInt(SSL_REQUEST_CODE);
  }
}
