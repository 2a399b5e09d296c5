package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A flood of half-open connections from one source does not lock everyone else out: 1,200
 * connections from 127.0.0.2 — more than limits.maxClientConnections (1,000 by default) — that send
 * an SSLRequest and stall in the TLS handshake, or send nothing, each reopened as soon as it is
 * dropped (at most 3,000 reopenings a second), while legitimate clients on 127.0.0.1 log in with
 * pgJDBC over TLS and run a query. At least 99 % of those logins must succeed. The defaults are in
 * force (startupTimeout 10 s, as in the black-box probe that found it).
 */
class HalfOpenFloodIT {
  static final int FLOOD = 1_200;
  static final int LOGINS = 200;
  static final int REOPENINGS_PER_SECOND = 3_000;

  @Test
  void legitimateLoginsSucceedDuringAHalfOpenFloodFromOneSource() throws Exception {
    try (GatewayFixture fixture =
        GatewayFixture.start(Map.of(), "limits:\n  startupTimeout: 10s\n")) {
      AtomicBoolean flooding = new AtomicBoolean(true);
      AtomicInteger opened = new AtomicInteger();
      Thread flood =
          Thread.ofPlatform()
              .name("half-open-flood")
              .start(() -> flood(fixture.port(), flooding, opened));
      try {
        // Let the flood fill whatever it can before the first login.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (opened.get() < FLOOD && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        Thread.sleep(1_000);
        int succeeded = logins(fixture);
        assertThat(succeeded)
            .as("logins that succeeded of %d during the flood", LOGINS)
            .isGreaterThanOrEqualTo(LOGINS * 99 / 100);
        // The flood was real: its address was refused places beyond its own few.
        assertThat(fixture.gateway.metrics().startingPerAddressRefusals()).isPositive();
        assertThat(opened.get()).isGreaterThanOrEqualTo(FLOOD);
      } finally {
        flooding.set(false);
        flood.join(10_000);
      }
    }
  }

  /** 200 logins on 4 threads, each over TLS with a query; how many succeeded. */
  static int logins(GatewayFixture fixture) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> attempts = new ArrayList<>();
      for (int i = 0; i < LOGINS; i++) {
        attempts.add(
            pool.submit(
                () -> {
                  Properties props = new Properties();
                  props.setProperty("connectTimeout", "10");
                  props.setProperty("loginTimeout", "15");
                  try (Connection c = fixture.connect("test", props);
                      Statement s = c.createStatement();
                      ResultSet rs = s.executeQuery("SELECT 1")) {
                    return rs.next() && rs.getInt(1) == 1;
                  } catch (Exception e) {
                    return false;
                  }
                }));
      }
      int ok = 0;
      for (Future<Boolean> attempt : attempts) {
        if (attempt.get(60, TimeUnit.SECONDS)) {
          ok++;
        }
      }
      return ok;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Keeps {@link #FLOOD} connections from 127.0.0.2 open: every other one sends an SSLRequest and
   * then nothing (stalled in the handshake), the rest send nothing; each one dropped is reopened,
   * at most {@link #REOPENINGS_PER_SECOND} a second, until {@code flooding} ends.
   */
  static void flood(int port, AtomicBoolean flooding, AtomicInteger opened) {
    InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
    InetSocketAddress source = new InetSocketAddress("127.0.0.2", 0);
    try (Selector selector = Selector.open()) {
      int live = 0;
      long windowStart = System.nanoTime();
      int inWindow = 0;
      ByteBuffer sink = ByteBuffer.allocate(4096);
      while (flooding.get()) {
        long now = System.nanoTime();
        if (now - windowStart >= TimeUnit.MILLISECONDS.toNanos(100)) {
          windowStart = now;
          inWindow = 0;
        }
        while (live < FLOOD && inWindow < REOPENINGS_PER_SECOND / 10) {
          SocketChannel channel = SocketChannel.open();
          channel.configureBlocking(false);
          channel.bind(source);
          boolean sslRequest = opened.getAndIncrement() % 2 == 0;
          channel.connect(target);
          channel.register(selector, SelectionKey.OP_CONNECT, sslRequest);
          live++;
          inWindow++;
        }
        selector.select(10);
        for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
          SelectionKey key = it.next();
          it.remove();
          SocketChannel channel = (SocketChannel) key.channel();
          try {
            if (key.isConnectable()) {
              channel.finishConnect();
              if ((Boolean) key.attachment()) {
                channel.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 8, 4, (byte) 210, 22, 47}));
              }
              key.interestOps(SelectionKey.OP_READ);
            } else if (key.isReadable()) {
              sink.clear();
              if (channel.read(sink) < 0) {
                throw new IOException("closed by the gateway");
              }
            }
          } catch (IOException e) {
            key.cancel();
            channel.close();
            live--;
          }
        }
      }
      for (SelectionKey key : selector.keys()) {
        key.channel().close();
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
