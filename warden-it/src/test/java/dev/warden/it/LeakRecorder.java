package dev.warden.it;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects Netty's buffer-leak reports (the ITs run with paranoid leak detection), so that each
 * gateway fixture fails its test class when a relay path forgot to release a buffer.
 */
public final class LeakRecorder extends AppenderBase<ILoggingEvent> {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getFormattedMessage().contains("LEAK:")) {
      LEAKS.add(event.getFormattedMessage());
    }
  }

  /** Fails when any leak was reported since the JVM started. */
  static void assertNoLeaks() {
    // Leaks are reported when a leaked buffer is collected and a later allocation polls.
    for (int i = 0; i < 3; i++) {
      System.gc();
      io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1).release();
      io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(1).release();
    }
    if (!LEAKS.isEmpty()) {
      throw new AssertionError("Netty reported buffer leaks:\n" + String.join("\n\n", LEAKS));
    }
  }
}
