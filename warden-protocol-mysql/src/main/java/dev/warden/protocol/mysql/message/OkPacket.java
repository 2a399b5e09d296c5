package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * A command succeeded (Protocol::OK_Packet): rows affected, the last insert id, the server status
 * and warnings, and a human-readable info text. Also the end of a result set when the client takes
 * {@link Capabilities#DEPRECATE_EOF} (then its header is 0xFE).
 */
public record OkPacket(
    long affectedRows, long lastInsertId, int status, int warnings, String info) {
  public static final int HEADER = 0x00;
  public static final int EOF_HEADER = 0xFE;

  /** Whether a packet is an OK packet (header 0x00, at least 7 bytes). */
  public static boolean is(Packet packet) {
    return packet.header() == HEADER && packet.length() >= 7;
  }

  /**
   * Whether a packet in a result set's row stream ends it: an EOF or, with DEPRECATE_EOF, an OK
   * packet with header 0xFE.
   */
  public static boolean endsRows(Packet packet) {
    // A row starting with 0xFE holds a value of 16 MiB or more, so it is longer than this.
    return packet.header() == EOF_HEADER && packet.length() < Packet.MAX_PHYSICAL;
  }

  public static OkPacket decode(ByteBuf in) {
    Wire.need(in, 1);
    int header = in.readUnsignedByte();
    if (header != HEADER && header != EOF_HEADER) {
      throw new ProtocolViolation("not an OK packet");
    }
    long affected = Wire.readLengthEncoded(in);
    long lastId = Wire.readLengthEncoded(in);
    Wire.need(in, 4);
    int status = in.readUnsignedShortLE();
    int warnings = in.readUnsignedShortLE();
    // The info text, session state changes follow; only the status matters to Warden.
    in.skipBytes(in.readableBytes());
    return new OkPacket(affected, lastId, status, warnings, "");
  }

  public ByteBuf encode() {
    ByteBuf out = Unpooled.buffer(16);
    out.writeByte(HEADER);
    Wire.writeLengthEncoded(out, affectedRows);
    Wire.writeLengthEncoded(out, lastInsertId);
    out.writeShortLE(status).writeShortLE(warnings);
    if (!info.isEmpty()) {
      out.writeBytes(info.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return out;
  }
}
