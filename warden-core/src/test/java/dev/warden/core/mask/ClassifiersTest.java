package dev.warden.core.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClassifiersTest {
  static final Classifiers ALL = Classifiers.all();

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "card 4111111111111111 on file | card ************1111 on file",
        "4111 1111 1111 1111 | **** **** **** 1111",
        "4111-1111-1111-1111, exp 12/30 | ****-****-****-1111, exp 12/30",
        "amex 378282246310005 | amex ***********0005",
        "ssn 123-45-6789. | ssn ***-**-****.",
        "mail jane.doe@example.com now | mail j***@example.com now",
        "IBAN DE89370400440532013000 | IBAN ******************3000",
        "IBAN GB82 WEST 1234 5698 7654 32 | IBAN **** **** **** **** **54 32",
        "order 4111111111111112 (not Luhn) | order 4111111111111112 (not Luhn)",
        "ssn 000-12-3456 is not valid | ssn 000-12-3456 is not valid",
        "id 41111111111111111111111 too long | id 41111111111111111111111 too long",
        "phone 555 0100 | phone 555 0100",
        "nothing here | nothing here",
      })
  void findsAndMasks(String text, String expected) {
    assertThat(ALL.scrub(text)).isEqualTo(expected);
  }

  @Test
  void unicodeDigitsAreDigits() {
    String fullWidth = "４１１１１１１１１１１１１１１１"; // 4111111111111111 in full-width digits
    assertThat(ALL.scrub(fullWidth)).isEqualTo("************１１１１");
  }

  @Test
  void onlyTheEnabledClassesAreMasked() {
    Classifiers cards = new Classifiers(Set.of(DataClass.CARD_NUMBER));
    assertThat(cards.scrub("4111111111111111 a@example.com"))
        .isEqualTo("************1111 a@example.com");
    assertThat(new Classifiers(Set.of()).scrub("4111111111111111")).isEqualTo("4111111111111111");
  }

  @Test
  void nothingFoundReturnsTheSameInstance() {
    String text = "plain text without anything";
    assertThat(ALL.scrub(text)).isSameAs(text);
  }

  @Test
  void hugeAndAdversarialCellsFinishAndStayCorrect() {
    // Long digit runs, many '@', near-miss cards: each scan is one forward pass.
    String digits = "1".repeat(1_000_000);
    assertThat(ALL.scrub(digits).equals(digits)).isTrue();
    String ats = "a@".repeat(500_000);
    assertThat(ALL.scrub(ats).equals(ats)).isTrue();
    // Fifteen digits each, and not Luhn-valid: nothing to mask (compared by hash: the strings are
    // long, an assertion message would print them whole).
    String nearMisses = "4111 1111 1111 112, ".repeat(50_000);
    assertThat(ALL.scrub(nearMisses).equals(nearMisses)).isTrue();
    String cards = "4111111111111111, ".repeat(50_000);
    assertThat(ALL.scrub(cards).contains("4111111111111111")).isFalse();
  }

  @Property
  void aLuhnValidCardInAnyTextIsMasked(
      @ForAll("cards") String card,
      @ForAll @StringLength(max = 20) String before,
      @ForAll @StringLength(max = 20) String after,
      @ForAll("separators") String separator) {
    String prefix = before.isEmpty() ? "" : before + " ";
    String suffix = after.isEmpty() ? "" : " " + after;
    String written = group(card, separator);
    String scrubbed = ALL.scrub(prefix + written + suffix);
    assertThat(scrubbed).doesNotContain(written);
    assertThat(scrubbed.replaceAll("[ -]", "")).doesNotContain(card);
  }

  @Property
  void scrubbingNeverThrowsAndIsStable(@ForAll @StringLength(max = 200) String text) {
    String once = ALL.scrub(text);
    assertThat(ALL.scrub(once)).isEqualTo(once);
  }

  @Provide
  Arbitrary<String> cards() {
    return Combinators.combine(
            Arbitraries.integers().between(13, 19), Arbitraries.strings().numeric().ofLength(19))
        .as((length, digits) -> withLuhn(digits.substring(0, length - 1)));
  }

  @Provide
  Arbitrary<String> separators() {
    return Arbitraries.of("", " ", "-");
  }

  static String withLuhn(String body) {
    for (int check = 0; check < 10; check++) {
      String candidate = body + check;
      int[] digits = candidate.chars().map(c -> c - '0').toArray();
      if (Classifiers.luhn(digits, digits.length)) {
        return candidate;
      }
    }
    throw new IllegalStateException();
  }

  static String group(String card, String separator) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < card.length(); i++) {
      if (i > 0 && i % 4 == 0) {
        out.append(separator);
      }
      out.append(card.charAt(i));
    }
    return out.toString();
  }
}
