package dev.warden.core.policy;

import java.time.Duration;

/**
 * Limits on allowed statements; 0 (or a zero duration) means no limit.
 *
 * @param maxRowsReturned a result with more rows ends in an error after this many
 * @param maxRowsAffected a write that affects more rows is rolled back
 * @param statementTimeout the database session's {@code statement_timeout}
 */
public record Limits(long maxRowsReturned, long maxRowsAffected, Duration statementTimeout) {
  public static final Limits NONE = new Limits(0, 0, Duration.ZERO);

  public Limits {
    if (maxRowsReturned < 0 || maxRowsAffected < 0 || statementTimeout.isNegative()) {
      throw new IllegalArgumentException("limits are 0 (none) or positive");
    }
  }

  /** The stricter of two limits, each limit on its own: the smaller positive value. */
  public Limits stricter(Limits other) {
    return new Limits(
        min(maxRowsReturned, other.maxRowsReturned),
        min(maxRowsAffected, other.maxRowsAffected),
        Duration.ofMillis(min(statementTimeout.toMillis(), other.statementTimeout.toMillis())));
  }

  private static long min(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }
}
