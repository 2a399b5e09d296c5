package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * COM_CHANGE_USER in full: the user to become, its first authentication response, the schema to
 * start in, and (when the client sends them) its character set, auth plugin and connection
 * attributes. Read with the capabilities the client logged in with ({@link Command#decode} reads
 * only the command byte).
 */
public record ChangeUser(
    String user,
    byte[] authResponse,
    String schema,
    int characterSet,
    String authPluginName,
    Map<String, String> attributes) {

  public ChangeUser {
    attributes =
        attributes == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }

  /** Reads the command's payload, its first byte the command. */
  public static ChangeUser decode(ByteBuf in, int capabilities) {
    Wire.need(in, 1);
    if (in.readUnsignedByte() != Command.COM_CHANGE_USER) {
      throw new ProtocolViolation("not a COM_CHANGE_USER");
    }
    String user = Wire.readNulTerminated(in);
    byte[] auth;
    if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      Wire.need(in, 1);
      int length = in.readUnsignedByte();
      Wire.need(in, length);
      auth = new byte[length];
      in.readBytes(auth);
    } else {
      auth = Wire.readNulTerminated(in).getBytes(StandardCharsets.UTF_8);
    }
    String schema = Wire.readNulTerminated(in);
    int characterSet = 0;
    String plugin = null;
    Map<String, String> attributes = Map.of();
    if (in.isReadable()) {
      Wire.need(in, 2);
      characterSet = in.readUnsignedShortLE();
      if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH) && in.isReadable()) {
        plugin = Wire.readNulTerminated(in);
      }
      if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS) && in.isReadable()) {
        attributes = HandshakeResponse41.readAttributes(in);
      }
    }
    return new ChangeUser(user, auth, schema, characterSet, plugin, attributes);
  }

  /** The command's payload, as a client with {@code capabilities} sends it. */
  public ByteBuf encode(int capabilities) {
    ByteBuf out = Unpooled.buffer(64);
    out.writeByte(Command.COM_CHANGE_USER);
    Wire.writeNulTerminated(out, user);
    out.writeByte(authResponse.length).writeBytes(authResponse);
    Wire.writeNulTerminated(out, schema);
    out.writeShortLE(characterSet);
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH)) {
      Wire.writeNulTerminated(out, authPluginName == null ? "" : authPluginName);
    }
    if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS)) {
      HandshakeResponse41.writeAttributes(out, attributes);
    }
    return out;
  }

  @Override
  public byte[] authResponse() {
    return authResponse.clone();
  }

  @Override
  public String toString() {
    // Never the auth response: it may be a password or a token in clear.
    return "ChangeUser[user=" + user + ", schema=" + schema + ", plugin=" + authPluginName + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChangeUser c
        && c.user.equals(user)
        && Arrays.equals(c.authResponse, authResponse)
        && c.schema.equals(schema)
        && c.characterSet == characterSet
        && Objects.equals(c.authPluginName, authPluginName)
        && c.attributes.equals(attributes);
  }

  @Override
  public int hashCode() {
    return user.hashCode();
  }
}
