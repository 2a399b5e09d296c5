package dev.warden.cli;

import java.util.concurrent.CountDownLatch;

/** Blocks until the process is asked to stop (Ctrl-C, SIGTERM), then closes what it was given. */
public final class Shutdown {
  private Shutdown() {}

  public static void awaitThenClose(AutoCloseable resource) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    resource.close();
                  } catch (Exception e) {
                    System.err.println("warden: error while stopping: " + e.getMessage());
                  } finally {
                    stopped.countDown();
                  }
                },
                "warden-shutdown"));
    stopped.await();
  }
}
