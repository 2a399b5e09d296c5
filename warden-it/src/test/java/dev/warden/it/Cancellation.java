package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.Statement;

/** Shared check: {@code Statement.cancel()} ends a running {@code pg_sleep(30)} with 57014. */
final class Cancellation {
  private Cancellation() {}

  static void assertCancelsLongSleep(Statement statement) throws InterruptedException {
    Thread canceller =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Thread.sleep(500);
                    statement.cancel();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    assertThatThrownBy(() -> statement.execute("SELECT pg_sleep(30)"))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("57014");
    canceller.join();
  }
}
