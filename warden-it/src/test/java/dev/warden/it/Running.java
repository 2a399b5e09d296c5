package dev.warden.it;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.concurrent.Future;

/** Waits, bounded, until a database runs a statement: what its own activity view says. */
public final class Running {
  /** PostgreSQL's: statements under way whose text is like the parameter. */
  public static final String POSTGRES =
      "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE ?";

  /** MariaDB's and MySQL's. */
  public static final String MYSQL =
      "SELECT count(*) FROM information_schema.processlist WHERE info LIKE ?";

  private Running() {}

  /**
   * Returns once {@code view} (one of the above) counts a statement starting with {@code text} on
   * {@code c}; fails after 10 s, or at once when {@code client} (the future running it) ended.
   */
  public static void await(Connection c, String view, String text, Future<?> client)
      throws Exception {
    try (var ps = c.prepareStatement(view)) {
      ps.setString(1, text + "%");
      for (int i = 0; i < 200; i++) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        if (client != null && client.isDone()) {
          throw new AssertionError(text + " ended at once: " + client.get());
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError(text + " never ran");
  }
}
