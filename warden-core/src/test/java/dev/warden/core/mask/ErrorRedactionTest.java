package dev.warden.core.mask;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.mask.ErrorRedaction.Part;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorRedactionTest {
  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        // An integrity violation: its detail quotes the key and the row; its message only names.
        "23505 | false | DETAIL | Key (email)=(jane@example.com) already exists."
            + " | Key (email)=([REDACTED]) already exists.",
        "23505 | false | MESSAGE | duplicate key value violates unique constraint \"customers_pkey\""
            + " | duplicate key value violates unique constraint \"customers_pkey\"",
        "23514 | false | DETAIL | Failing row contains (7, Jane Doe, 123)."
            + " | Failing row contains ([REDACTED]).",
        // A data error in a statement whose results are masked may quote any value.
        "22P02 | true | MESSAGE | invalid input syntax for type integer: \"Jane Doe\""
            + " | invalid input syntax for type integer: \"[REDACTED]\"",
        "22P02 | false | MESSAGE | invalid input syntax for type integer: \"Jane Doe\""
            + " | invalid input syntax for type integer: \"Jane Doe\"",
        // Errors that quote only names keep them readable, even during a masked result.
        "42P01 | true | MESSAGE | relation \"orderz\" does not exist"
            + " | relation \"orderz\" does not exist",
        "42703 | true | MESSAGE | column \"card\" does not exist | column \"card\" does not exist",
        // The statement quoted is the client's own; only values that look regulated are masked.
        "22P02 | true | QUERY | select \"x\" from t where card = '4111111111111111'"
            + " | select \"x\" from t where card = '************1111'",
        // Every text of every error: a card number, an SSN, an e-mail address.
        "42P01 | false | HINT | try 4111 1111 1111 1111 | try **** **** **** 1111",
        " | false | CONTEXT | SSN 123-45-6789 here | SSN ***-**-**** here",
      })
  void scrubs(String sqlState, boolean maskedResult, Part part, String text, String expected) {
    assertThat(ErrorRedaction.scrub(sqlState == null ? "" : sqlState, maskedResult, part, text))
        .isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"42P01 | relation \"orders\" does not exist", "23505 | nothing to see"})
  void leavesAnUnchangedTextAsItWas(String sqlState, String text) {
    assertThat(ErrorRedaction.scrub(sqlState, true, Part.MESSAGE, text)).isSameAs(text);
  }
}
