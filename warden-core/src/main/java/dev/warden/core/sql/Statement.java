package dev.warden.core.sql;

import java.util.List;

/**
 * What the analyzer understood of one statement string: its parts (a simple Query may hold several
 * statements), their overall class, and — when it could not be parsed — why.
 *
 * @param statementClass the class of a single part; for several parts, the most significant one (a
 *     policy decides on every part anyway)
 * @param error why it is {@link StatementClass#INVALID}, or null
 */
public record Statement(
    String text, StatementClass statementClass, List<StatementPart> parts, String error) {

  public Statement {
    parts = List.copyOf(parts);
  }

  /** A statement the analyzer did not look into. */
  public Statement(String text, StatementClass statementClass) {
    this(text, statementClass, List.of(), null);
  }

  public static Statement invalid(String text, String error) {
    return new Statement(text, StatementClass.INVALID, List.of(), error);
  }
}
