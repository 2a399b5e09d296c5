package dev.warden.core.admission;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;

/**
 * What a client is told when a door carries out a statement's limits: the same words through every
 * door, only the protocol's way of saying it differs (a WARNING notice, a MySQL warning).
 */
public final class LimitMessages {
  private LimitMessages() {}

  /** A result cut at maxRowsReturned: the warning's text. */
  public static String truncated(long limit, String rule) {
    return "result truncated to " + limit + " rows by rule " + rule + " (limits.maxRowsReturned)";
  }

  /** What to do about a truncated result. */
  public static final String TRUNCATED_HINT =
      "add a LIMIT, or narrow the query, to see the rows you need";

  /**
   * A guarded write affected more rows than allowed ({@code affected} &lt; 0: it could not be
   * counted) and was rolled back.
   */
  public static WardenException overLimit(String verb, long affected, long limit, String rule) {
    String what =
        affected < 0
            ? "the " + verb + " was fetched in batches, so its rows affected cannot be counted"
            : "the " + verb + " affected " + affected + " rows";
    return new WardenException(
        ErrorCode.LIMIT_EXCEEDED,
        what
            + ", more than the "
            + limit
            + " allowed by rule "
            + rule
            + " (limits.maxRowsAffected); it was rolled back",
        "narrow the WHERE clause, or split the change into batches of at most " + limit + " rows");
  }
}
