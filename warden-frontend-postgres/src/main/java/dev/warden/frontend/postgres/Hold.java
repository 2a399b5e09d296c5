package dev.warden.frontend.postgres;

/**
 * Why the client's messages wait, in order, in the session's held queue instead of going to the
 * database: the command phase's one piece of state besides what is in flight. At most one reason
 * holds at a time; when it ends the held messages are let through, and the first of them may start
 * the next hold.
 */
sealed interface Hold {
  /** Nothing holds: the client's messages go on as they come. */
  None NONE = new None();

  /** Nothing holds. */
  record None() implements Hold {}

  /**
   * A simple Query that may be a guarded write arrived while earlier statements were still out: it
   * waits until the database is idle, so Warden knows whether it must open a transaction for it.
   */
  record ForIdle() implements Hold {}

  /**
   * The kernel's verdict on a Query or Execute is not in yet (its audit record's durability, or a
   * person's approval): it and everything after it wait.
   */
  record ForVerdict() implements Hold {}

  /**
   * A guarded write is out: what follows waits until Warden has seen its row count and let it
   * commit or rolled it back. Its COPY data passes (it is part of the write).
   */
  record ForWriteCount(ResultsSent statement) implements Hold {}
}
