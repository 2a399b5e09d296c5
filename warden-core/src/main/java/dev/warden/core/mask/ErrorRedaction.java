package dev.warden.core.mask;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The texts of a database's errors and notices, for a session that sees masked values: a server
 * error can echo a value ({@code Key (card_number)=(4111…) already exists}). Every card number,
 * SSN, e-mail address and IBAN is masked in every text. Where the error is of a kind that quotes
 * values — a data error in a statement whose results carry masked values, an integrity violation
 * ({@code Key (…)=(…)}, {@code Failing row contains (…)}) — the quoted values are redacted too;
 * errors that quote only names (a relation that does not exist, a syntax error, a missing column or
 * function) keep them readable. Errors are told apart by SQLSTATE, which every SQL database
 * reports.
 */
public final class ErrorRedaction {
  private ErrorRedaction() {}

  /** The parts of an error or notice a door passes on. */
  public enum Part {
    /** The primary message. */
    MESSAGE,
    /** The detail (an integrity violation's key and row values are here). */
    DETAIL,
    HINT,
    /** Where it happened (a function's line, say). */
    CONTEXT,
    /** The statement the error quotes, as the client sent it. */
    QUERY
  }

  /**
   * SQLSTATE classes whose messages quote names the client wrote or the catalog holds (relations,
   * columns, functions, types, prepared statements, cursors, savepoints), never a value: syntax or
   * access rule violations (42), invalid catalog, schema, statement, cursor and savepoint names,
   * transaction states, unsupported features, cardinality, limits, locks and resources.
   */
  private static final Set<String> NAMES_ONLY =
      Set.of(
          "42", "3D", "3F", "26", "34", "3B", "25", "0A", "21", "40", "53", "54", "55", "57", "08");

  /** The row an integrity error shows: {@code Failing row contains (…)}. */
  private static final Pattern FAILING_ROW = Pattern.compile("(Failing row contains \\().*\\)");

  /** A quoted value in an error text: "…" or the =(…) of a key detail. */
  private static final Pattern QUOTED = Pattern.compile("(\"|=\\()[^\"]*?(\"|\\))");

  /** Error texts are rare and short: every classifier runs on them whenever masking is on. */
  private static final Classifiers CLASSIFIERS = Classifiers.all();

  /**
   * One part of an error or notice of SQLSTATE {@code sqlState} (empty when none), scrubbed: the
   * same instance when nothing in it changes. {@code maskedResult}: the statement it came during
   * returns masked values.
   */
  public static String scrub(String sqlState, boolean maskedResult, Part part, String text) {
    String scrubbed = CLASSIFIERS.scrub(text);
    boolean integrity = sqlState.startsWith("23");
    boolean quotesValues =
        integrity
            || (maskedResult
                && !NAMES_ONLY.contains(sqlState.length() >= 2 ? sqlState.substring(0, 2) : ""));
    // An integrity violation names the column, relation and constraint in its message; the values
    // are in its detail. The statement quoted is the client's own.
    if (quotesValues && part != Part.QUERY && (!integrity || part == Part.DETAIL)) {
      String rows = FAILING_ROW.matcher(scrubbed).replaceAll("$1[REDACTED])");
      String quoted = QUOTED.matcher(rows).replaceAll("$1[REDACTED]$2");
      return quoted.equals(scrubbed) ? scrubbed : quoted;
    }
    return scrubbed;
  }
}
