package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's answer to the greeting (Protocol::HandshakeResponse41): the capabilities it takes,
 * its user name, its first authentication response (length-encoded when the client says so: a JWT
 * is longer than 250 bytes), the database to start in, its auth plugin and connection attributes.
 */
public record HandshakeResponse41(
    int capabilities,
    int maxPacketSize,
    int characterSet,
    String user,
    byte[] authResponse,
    String database,
    String authPluginName,
    Map<String, String> attributes) {

  public HandshakeResponse41 {
    attributes =
        attributes == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }

  public static HandshakeResponse41 decode(ByteBuf in) {
    Wire.need(in, 32);
    int capabilities = in.readIntLE();
    if (!Capabilities.has(capabilities, Capabilities.PROTOCOL_41)) {
      throw new ProtocolViolation("the client does not speak protocol 4.1");
    }
    int maxPacket = in.readIntLE();
    int characterSet = in.readUnsignedByte();
    in.skipBytes(23);
    String user = Wire.readNulTerminated(in);
    byte[] auth;
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
      auth = Wire.readLengthEncodedBytes(in);
      if (auth == null) {
        throw new ProtocolViolation("the auth response is NULL");
      }
    } else if (Capabilities.has(capabilities, Capabilities.SECURE_CONNECTION)) {
      Wire.need(in, 1);
      int length = in.readUnsignedByte();
      Wire.need(in, length);
      auth = new byte[length];
      in.readBytes(auth);
    } else {
      auth = Wire.readNulTerminated(in).getBytes(StandardCharsets.UTF_8);
    }
    String database = null;
    if (Capabilities.has(capabilities, Capabilities.CONNECT_WITH_DB) && in.isReadable()) {
      database = Wire.readNulTerminated(in);
    }
    String plugin = null;
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH) && in.isReadable()) {
      plugin = Wire.readNulTerminated(in);
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS) && in.isReadable()) {
      attributes = readAttributes(in);
    }
    return new HandshakeResponse41(
        capabilities, maxPacket, characterSet, user, auth, database, plugin, attributes);
  }

  /** Connection attributes: their length-encoded total, then length-encoded keys and values. */
  static Map<String, String> readAttributes(ByteBuf in) {
    Map<String, String> attributes = new LinkedHashMap<>();
    {
      long length = Wire.readLengthEncoded(in);
      if (length < 0 || length > in.readableBytes()) {
        throw new ProtocolViolation("connection attributes run past the end of the packet");
      }
      ByteBuf attrs = in.readSlice((int) length);
      while (attrs.isReadable()) {
        String key = Wire.readLengthEncodedString(attrs);
        String value = Wire.readLengthEncodedString(attrs);
        if (key != null) {
          attributes.put(key, value == null ? "" : value);
        }
      }
    }
    return attributes;
  }

  /** Connection attributes as {@link #readAttributes} reads them. */
  static void writeAttributes(ByteBuf out, Map<String, String> attributes) {
    ByteBuf attrs = Unpooled.buffer();
    attributes.forEach(
        (k, v) -> {
          Wire.writeLengthEncoded(attrs, k);
          Wire.writeLengthEncoded(attrs, v);
        });
    Wire.writeLengthEncoded(out, attrs.readableBytes());
    out.writeBytes(attrs);
    attrs.release();
  }

  public ByteBuf encode() {
    ByteBuf out = Unpooled.buffer(128);
    out.writeIntLE(capabilities).writeIntLE(maxPacketSize).writeByte(characterSet).writeZero(23);
    Wire.writeNulTerminated(out, user);
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA)) {
      Wire.writeLengthEncoded(out, authResponse);
    } else {
      out.writeByte(authResponse.length).writeBytes(authResponse);
    }
    if (Capabilities.has(capabilities, Capabilities.CONNECT_WITH_DB)) {
      Wire.writeNulTerminated(out, database == null ? "" : database);
    }
    if (Capabilities.has(capabilities, Capabilities.PLUGIN_AUTH)) {
      Wire.writeNulTerminated(out, authPluginName == null ? "" : authPluginName);
    }
    if (Capabilities.has(capabilities, Capabilities.CONNECT_ATTRS)) {
      writeAttributes(out, attributes);
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
    return "HandshakeResponse41[user="
        + user
        + ", database="
        + database
        + ", plugin="
        + authPluginName
        + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HandshakeResponse41 r
        && r.capabilities == capabilities
        && r.maxPacketSize == maxPacketSize
        && r.characterSet == characterSet
        && r.user.equals(user)
        && java.util.Arrays.equals(r.authResponse, authResponse)
        && java.util.Objects.equals(r.database, database)
        && java.util.Objects.equals(r.authPluginName, authPluginName)
        && r.attributes.equals(attributes);
  }

  @Override
  public int hashCode() {
    return user.hashCode();
  }
}
