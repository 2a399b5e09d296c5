package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;

/**
 * The server's greeting (Protocol::HandshakeV10): its version, the connection id, the scramble (20
 * bytes of auth plugin data) and the capabilities it offers.
 *
 * @param extendedCapabilities MariaDB's capabilities beyond 32 bits (in the reserved bytes), 0 for
 *     MySQL
 */
public record HandshakeV10(
    String serverVersion,
    long connectionId,
    byte[] scramble,
    int capabilities,
    int characterSet,
    int status,
    String authPluginName,
    int extendedCapabilities) {
  public static final int PROTOCOL_VERSION = 10;

  public static HandshakeV10 decode(ByteBuf in) {
    Wire.need(in, 1);
    int version = in.readUnsignedByte();
    if (version != PROTOCOL_VERSION) {
      throw new ProtocolViolation("handshake protocol version " + version + " is not 10");
    }
    String serverVersion = Wire.readNulTerminated(in);
    Wire.need(in, 4 + 8 + 1 + 2);
    long connectionId = in.readUnsignedIntLE();
    byte[] part1 = new byte[8];
    in.readBytes(part1);
    in.skipBytes(1);
    int capabilities = in.readUnsignedShortLE();
    int characterSet = 0;
    int status = 0;
    int dataLength = 0;
    int extended = 0;
    byte[] scramble = part1;
    String plugin = null;
    if (in.isReadable()) {
      Wire.need(in, 1 + 2 + 2 + 1 + 10);
      characterSet = in.readUnsignedByte();
      status = in.readUnsignedShortLE();
      capabilities |= in.readUnsignedShortLE() << 16;
      dataLength = in.readUnsignedByte();
      in.skipBytes(6);
      extended = in.readIntLE();
      if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
        int length = Math.max(13, dataLength - 8);
        Wire.need(in, length);
        byte[] part2 = new byte[length];
        in.readBytes(part2);
        // The scramble is 20 bytes; the 13th byte of part 2 is its terminating NUL.
        int keep = part2[length - 1] == 0 ? length - 1 : length;
        scramble = new byte[8 + keep];
        System.arraycopy(part1, 0, scramble, 0, 8);
        System.arraycopy(part2, 0, scramble, 8, keep);
      }
      if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH)) {
        plugin = in.isReadable() ? readOptionalNulTerminated(in) : "";
      }
    }
    return new HandshakeV10(
        serverVersion,
        connectionId,
        scramble,
        capabilities,
        characterSet,
        status,
        plugin,
        extended);
  }

  private static String readOptionalNulTerminated(ByteBuf in) {
    // Some servers omit the plugin name's final NUL.
    int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
    return end < 0 ? Wire.readRest(in) : Wire.readNulTerminated(in);
  }

  public ByteBuf encode() {
    ByteBuf out = Unpooled.buffer(96);
    out.writeByte(PROTOCOL_VERSION);
    Wire.writeNulTerminated(out, serverVersion);
    out.writeIntLE((int) connectionId);
    out.writeBytes(scramble, 0, 8);
    out.writeByte(0);
    out.writeShortLE(capabilities & 0xFFFF);
    out.writeByte(characterSet);
    out.writeShortLE(status);
    out.writeShortLE(capabilities >>> 16);
    out.writeByte(
        Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH) ? scramble.length + 1 : 0);
    out.writeZero(6);
    out.writeIntLE(extendedCapabilities);
    if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      out.writeBytes(scramble, 8, scramble.length - 8);
      out.writeZero(Math.max(13 - (scramble.length - 8), 1));
    }
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH)) {
      Wire.writeNulTerminated(out, authPluginName);
    }
    return out;
  }

  @Override
  public byte[] scramble() {
    return scramble.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HandshakeV10 h
        && h.serverVersion.equals(serverVersion)
        && h.connectionId == connectionId
        && Arrays.equals(h.scramble, scramble)
        && h.capabilities == capabilities
        && h.characterSet == characterSet
        && h.status == status
        && java.util.Objects.equals(h.authPluginName, authPluginName)
        && h.extendedCapabilities == extendedCapabilities;
  }

  @Override
  public int hashCode() {
    return serverVersion.hashCode() * 31 + Arrays.hashCode(scramble);
  }

  @Override
  public String toString() {
    return "HandshakeV10[" + serverVersion + ", id " + connectionId + ", " + authPluginName + "]";
  }
}
