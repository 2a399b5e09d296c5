package dev.warden.it;

import dev.warden.protocol.mysql.message.Capabilities;
import dev.warden.protocol.mysql.message.HandshakeResponse41;
import io.netty.buffer.ByteBuf;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MySQL protocol by hand, for what no stock client sends on demand (COM_FIELD_LIST, a bare
 * COM_RESET_CONNECTION, garbage): a plain-text login with the key as a clear password (the gateway
 * must allow plain text on loopback) and raw packets.
 */
final class MysqlWire implements AutoCloseable {
  final Socket socket;
  final InputStream in;
  final OutputStream out;

  private MysqlWire(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  /** A connection that has read the greeting. */
  static MysqlWire greeted(int port) throws IOException {
    MysqlWire wire = new MysqlWire(new Socket("127.0.0.1", port));
    wire.socket.setSoTimeout(5000);
    readPacket(wire.in);
    return wire;
  }

  /** A session logged in with {@code key} to {@code connection}; fails unless the login is OK. */
  static MysqlWire login(int port, String key, String connection) throws IOException {
    return login(port, key, connection, true);
  }

  /**
   * As {@link #login}; {@code deprecateEof} false: a client that keeps the EOF packets after column
   * definitions and rows (an older client, or one that does not ask to drop them).
   */
  static MysqlWire login(int port, String key, String connection, boolean deprecateEof)
      throws IOException {
    MysqlWire wire = greeted(port);
    wire.out.write(handshake(key, connection, deprecateEof));
    wire.out.flush();
    byte[] ok = readPacket(wire.in);
    if (ok.length == 0 || ok[0] != 0) {
      wire.close();
      throw new IOException("login refused: " + text(ok));
    }
    return wire;
  }

  /**
   * Sends a command (sequence id 0) and reads its response: packets up to and including the first
   * OK, ERR or EOF-like packet (0xFE) after any others, or all of a result set's when {@code
   * resultSet}.
   */
  List<byte[]> command(int code, String argument) throws IOException {
    byte[] text = argument.getBytes(StandardCharsets.UTF_8);
    byte[] payload = new byte[text.length + 1];
    payload[0] = (byte) code;
    System.arraycopy(text, 0, payload, 1, text.length);
    out.write(packet(0, payload));
    out.flush();
    List<byte[]> response = new ArrayList<>();
    while (true) {
      byte[] p = readPacket(in);
      response.add(p);
      int header = p.length == 0 ? -1 : p[0] & 0xFF;
      boolean end = header == 0xFF || header == 0xFE || (header == 0x00 && response.size() == 1);
      if (end) {
        return response;
      }
    }
  }

  /** Sends a command's payload as it is (sequence id 0). */
  void send(byte[] payload) throws IOException {
    out.write(packet(0, payload));
    out.flush();
  }

  /** The next packet's payload. */
  byte[] read() throws IOException {
    return readPacket(in);
  }

  /** A packet's text after its header byte (an ERR's message, with its code and state). */
  static String text(byte[] payload) {
    return new String(payload, StandardCharsets.UTF_8);
  }

  static byte[] handshake(String key, String connection) {
    return handshake(key, connection, true);
  }

  static byte[] handshake(String key, String connection, boolean deprecateEof) {
    int caps =
        Capabilities.PROTOCOL_41
            | Capabilities.SECURE_CONNECTION
            | Capabilities.PLUGIN_AUTH
            | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA
            | Capabilities.CONNECT_WITH_DB
            | (deprecateEof ? Capabilities.DEPRECATE_EOF : 0);
    byte[] password = (key + "\0").getBytes(StandardCharsets.UTF_8);
    ByteBuf payload =
        new HandshakeResponse41(
                caps, 1 << 24, 45, "agent", password, connection, "mysql_clear_password", Map.of())
            .encode();
    byte[] bytes = new byte[payload.readableBytes()];
    payload.readBytes(bytes);
    payload.release();
    return packet(1, bytes);
  }

  static byte[] packet(int sequenceId, byte[] payload) {
    byte[] out = new byte[payload.length + 4];
    out[0] = (byte) payload.length;
    out[1] = (byte) (payload.length >> 8);
    out[2] = (byte) (payload.length >> 16);
    out[3] = (byte) sequenceId;
    System.arraycopy(payload, 0, out, 4, payload.length);
    return out;
  }

  static byte[] readPacket(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] header = new byte[4];
    data.readFully(header);
    int length = (header[0] & 0xFF) | (header[1] & 0xFF) << 8 | (header[2] & 0xFF) << 16;
    byte[] payload = new byte[length];
    data.readFully(payload);
    return payload;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
