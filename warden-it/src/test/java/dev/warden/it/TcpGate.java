package dev.warden.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay to a server that a test can cut and restore, to stage an outage of that
 * server (the audit store) without touching the server itself: {@link #cut} closes every relayed
 * connection and stops listening; {@link #restore} listens again on the same port. {@link #pause}
 * stalls it instead: connections stay open, bytes wait until {@link #resume} (a store that hangs).
 */
final class TcpGate implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;
  private volatile boolean paused;

  TcpGate(int targetPort) throws IOException {
    this.targetPort = targetPort;
    try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      this.port = probe.getLocalPort();
    }
    restore();
  }

  int port() {
    return port;
  }

  synchronized void restore() throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = s;
    Thread.ofVirtual().start(() -> accept(s));
  }

  /** Holds every byte in either direction until {@link #resume}; nothing is closed. */
  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
  }

  synchronized void cut() throws IOException {
    server.close();
    for (Socket socket : sockets) {
      socket.close();
    }
    sockets.clear();
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      try {
        Socket client = s.accept();
        Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(target);
        Thread.ofVirtual().start(() -> pipe(client, target));
        Thread.ofVirtual().start(() -> pipe(target, client));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      byte[] buffer = new byte[16 * 1024];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        // A pause holds what was read (bounded: a test that forgets to resume ends in a minute).
        for (int waited = 0; paused && waited < 6_000; waited++) {
          Thread.sleep(10);
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // cut
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  @Override
  public void close() throws IOException {
    cut();
  }
}
