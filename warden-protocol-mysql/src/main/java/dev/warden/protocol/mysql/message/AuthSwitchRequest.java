package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The server asks the client to authenticate with another plugin (Protocol::AuthSwitchRequest),
 * with that plugin's data (a fresh scramble, or nothing for {@code mysql_clear_password}).
 */
public record AuthSwitchRequest(String pluginName, byte[] data) {
  public static final int HEADER = 0xFE;

  public static AuthSwitchRequest decode(ByteBuf in) {
    Wire.need(in, 1);
    if (in.readUnsignedByte() != HEADER) {
      throw new ProtocolViolation("not an auth switch request");
    }
    String plugin = Wire.readNulTerminated(in);
    byte[] data = Wire.readRestBytes(in);
    // The scramble is sent with a terminating NUL.
    if (data.length > 0 && data[data.length - 1] == 0) {
      data = java.util.Arrays.copyOf(data, data.length - 1);
    }
    return new AuthSwitchRequest(plugin, data);
  }

  public ByteBuf encode() {
    ByteBuf out = Unpooled.buffer(2 + pluginName.length() + data.length + 1);
    out.writeByte(HEADER);
    Wire.writeNulTerminated(out, pluginName);
    out.writeBytes(data);
    out.writeByte(0);
    return out;
  }

  @Override
  public byte[] data() {
    return data.clone();
  }
}
