package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * A command failed (Protocol::ERR_Packet): the error code, the SQLSTATE and the message.
 *
 * @param sqlState five characters, or null when the packet carries none (before protocol 4.1)
 */
public record ErrPacket(int code, String sqlState, String message) {
  public static final int HEADER = 0xFF;

  public static boolean is(Packet packet) {
    return packet.header() == HEADER;
  }

  public static ErrPacket decode(ByteBuf in) {
    Wire.need(in, 3);
    if (in.readUnsignedByte() != HEADER) {
      throw new ProtocolViolation("not an ERR packet");
    }
    int code = in.readUnsignedShortLE();
    String state = null;
    if (in.isReadable() && in.getByte(in.readerIndex()) == '#') {
      Wire.need(in, 6);
      in.skipBytes(1);
      state = in.readCharSequence(5, StandardCharsets.US_ASCII).toString();
    }
    return new ErrPacket(code, state, Wire.readRest(in));
  }

  public ByteBuf encode() {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    ByteBuf out = Unpooled.buffer(9 + text.length);
    out.writeByte(HEADER).writeShortLE(code);
    if (sqlState != null) {
      out.writeByte('#').writeCharSequence(sqlState, StandardCharsets.US_ASCII);
    }
    return out.writeBytes(text);
  }
}
