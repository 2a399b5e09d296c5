package dev.warden.frontend.postgres;

import dev.warden.protocol.postgres.message.BackendMessage;
import io.netty.buffer.ByteBuf;

/**
 * One message of the database's stream where it lies in the relay's read buffer (type byte, length,
 * body): decoded only when someone needs more than its type.
 */
record BackendFrame(char type, ByteBuf buffer, int offset, int length) {
  /** The whole message, without copying. */
  ByteBuf slice() {
    return buffer.slice(offset, length);
  }

  BackendMessage decode() {
    return BackendMessage.decode(slice());
  }
}
