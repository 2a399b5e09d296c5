package dev.warden.it;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * A client that reads slowly: pgJDBC's {@code socketFactory}, whose sockets hand over at most 1 KiB
 * per read and pause 20 ms before each — a reader of about 50 KiB/s, so a large result stays in
 * flight for minutes while everything behind it must keep moving.
 */
public final class SlowSocketFactory extends SocketFactory {
  @Override
  public Socket createSocket() {
    return new SlowSocket();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = new SlowSocket();
    s.connect(new java.net.InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress local, int localPort)
      throws IOException {
    return createSocket(host, port);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return createSocket(host.getHostAddress(), port);
  }

  @Override
  public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
      throws IOException {
    return createSocket(host, port);
  }

  private static final class SlowSocket extends Socket {
    @Override
    public InputStream getInputStream() throws IOException {
      return new FilterInputStream(super.getInputStream()) {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
          }
          return super.read(b, off, Math.min(len, 1024));
        }
      };
    }
  }
}
