package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The end of column definitions or rows (Protocol::EOF_Packet), for clients without {@link
 * Capabilities#DEPRECATE_EOF}: warnings and the server status.
 */
public record EofPacket(int warnings, int status) {
  public static final int HEADER = 0xFE;

  /** Whether a packet is an EOF packet (header 0xFE, shorter than 9 bytes). */
  public static boolean is(Packet packet) {
    return packet.header() == HEADER && packet.length() < 9;
  }

  public static EofPacket decode(ByteBuf in) {
    Wire.need(in, 5);
    if (in.readUnsignedByte() != HEADER) {
      throw new ProtocolViolation("not an EOF packet");
    }
    return new EofPacket(in.readUnsignedShortLE(), in.readUnsignedShortLE());
  }

  public ByteBuf encode() {
    return Unpooled.buffer(5).writeByte(HEADER).writeShortLE(warnings).writeShortLE(status);
  }
}
