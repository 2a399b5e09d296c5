package dev.warden.it;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** A byte-level PostgreSQL client for tests that must send what no driver would. */
final class RawClient implements AutoCloseable {
  /** One message read back: its type byte and body. */
  record Message(char type, byte[] body) {
    /** The fields of an ErrorResponse or NoticeResponse. */
    Map<Character, String> fields() {
      Map<Character, String> fields = new HashMap<>();
      int i = 0;
      while (i < body.length && body[i] != 0) {
        char code = (char) body[i++];
        int end = i;
        while (body[end] != 0) {
          end++;
        }
        fields.put(code, new String(body, i, end - i, StandardCharsets.UTF_8));
        i = end + 1;
      }
      return fields;
    }
  }

  private Socket socket;
  private DataInputStream in;
  private OutputStream out;

  RawClient(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** A TLS connection, authenticated with {@code key} to {@code database}, ready for queries. */
  static RawClient session(int port, String key, String database) throws Exception {
    return session(port, key, database, "raw-client");
  }

  static RawClient session(int port, String key, String database, String applicationName)
      throws Exception {
    RawClient client = new RawClient(port).startTls();
    Message answer = client.authenticate(key, database, applicationName);
    if (answer.type() != 'R') {
      client.close();
      throw new IOException("authentication failed: " + answer.fields());
    }
    client.readUntilReady();
    return client;
  }

  /** SSLRequest, then a TLS handshake that trusts the gateway's certificate. */
  RawClient startTls() throws Exception {
    send(ByteBuffer.allocate(8).putInt(8).putInt(80877103).array());
    int answer = in.read();
    if (answer != 'S') {
      throw new IOException("gateway answered SSLRequest with " + answer);
    }
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, new TrustManager[] {new TrustAll()}, null);
    SSLSocket ssl =
        (SSLSocket)
            tls.getSocketFactory().createSocket(socket, "localhost", socket.getPort(), true);
    ssl.startHandshake();
    socket = ssl;
    in = new DataInputStream(ssl.getInputStream());
    out = ssl.getOutputStream();
    return this;
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void sendStartup(String user, String database) throws IOException {
    sendStartup(user, database, "raw-client");
  }

  void sendStartup(String user, String database, String applicationName) throws IOException {
    byte[] params =
        ("user\0"
                + user
                + "\0database\0"
                + database
                + "\0application_name\0"
                + applicationName
                + "\0\0")
            .getBytes(StandardCharsets.UTF_8);
    send(
        ByteBuffer.allocate(8 + params.length)
            .putInt(8 + params.length)
            .putInt(196608)
            .put(params)
            .array());
  }

  void sendTyped(char type, byte[] body) throws IOException {
    send(
        ByteBuffer.allocate(5 + body.length)
            .put((byte) type)
            .putInt(4 + body.length)
            .put(body)
            .array());
  }

  void sendPassword(String password) throws IOException {
    sendTyped('p', (password + "\0").getBytes(StandardCharsets.UTF_8));
  }

  /** Startup and password; returns the first message after the password (R=ok or E). */
  Message authenticate(String key, String database) throws IOException {
    return authenticate(key, database, "raw-client");
  }

  Message authenticate(String key, String database, String applicationName) throws IOException {
    sendStartup("agent", database, applicationName);
    Message request = read();
    if (request.type() != 'R') {
      return request;
    }
    sendPassword(key);
    return read();
  }

  /** Reads messages until ReadyForQuery, returning the last one before it (or it). */
  Message readUntilReady() throws IOException {
    Message last = null;
    while (true) {
      Message m = read();
      if (m.type() == 'Z') {
        return last == null ? m : last;
      }
      if (m.type() == 'E' && "FATAL".equals(m.fields().get('S'))) {
        return m;
      }
      last = m;
    }
  }

  int readByte() throws IOException {
    return in.readUnsignedByte();
  }

  Message read() throws IOException {
    char type = (char) in.readUnsignedByte();
    int length = in.readInt();
    byte[] body = new byte[length - 4];
    in.readFully(body);
    return new Message(type, body);
  }

  /** Whether the gateway closed the connection (reading until end of stream, at most 10 s). */
  boolean closedByPeer() throws IOException {
    try {
      while (in.read() >= 0) {
        // drain whatever came before the close, e.g. an error message
      }
      return true;
    } catch (EOFException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset by peer
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
