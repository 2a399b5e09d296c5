package dev.warden.core.mask;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class MaskStrategyTest {
  static final MaskStrategy.Token TOKEN =
      new MaskStrategy.Token("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));

  @Test
  void examples() {
    assertThat(new MaskStrategy.KeepLast(4).mask("4111111111111111")).isEqualTo("************1111");
    assertThat(new MaskStrategy.KeepLast(4).mask("4111-1111-1111-1111"))
        .isEqualTo("****-****-****-1111");
    assertThat(new MaskStrategy.KeepLast(4).mask("123")).isEqualTo("***");
    assertThat(new MaskStrategy.PartialEmail().mask("jane.doe@example.com"))
        .isEqualTo("j***@example.com");
    assertThat(new MaskStrategy.PartialEmail().mask("not an address"))
        .isEqualTo(MaskStrategy.Redact.TOKEN);
    assertThat(new MaskStrategy.Redact().mask("123-45-6789")).isEqualTo("[REDACTED]");
    assertThat(new MaskStrategy.Nullify().mask("x")).isNull();
    assertThat(new MaskStrategy.Constant("0").mask("42")).isEqualTo("0");
    assertThat(TOKEN.mask("4111111111111111")).matches("tok_[0-9a-f]{16}");
    assertThat(TOKEN.toString()).doesNotContain("0123456789abcdef");
  }

  @Property
  void keepLastRevealsAtMostNLettersOrDigits(
      @ForAll @StringLength(max = 64) String value, @ForAll @IntRange(min = 0, max = 8) int n) {
    String masked = new MaskStrategy.KeepLast(n).mask(value);
    long revealed = masked.chars().filter(Character::isLetterOrDigit).count();
    assertThat(revealed).isLessThanOrEqualTo(n);
    assertThat(masked.length()).isEqualTo(value.length());
  }

  @Property
  void keepLastNeverRevealsAShortValue(
      @ForAll @NumericChars @StringLength(min = 1, max = 4) String value) {
    assertThat(new MaskStrategy.KeepLast(4).mask(value)).doesNotContainPattern("[0-9]");
  }

  @Property
  void partialEmailKeepsOnlyTheFirstCharacterOfTheLocalPart(
      @ForAll @StringLength(min = 2, max = 30) @NumericChars String local) {
    String masked = new MaskStrategy.PartialEmail().mask(local + "@example.com");
    assertThat(masked).isEqualTo(local.charAt(0) + "***@example.com");
  }

  @Property
  void tokensAreDeterministicAndDistinguishValues(
      @ForAll @StringLength(max = 40) String a, @ForAll @StringLength(max = 40) String b) {
    assertThat(TOKEN.mask(a)).isEqualTo(TOKEN.mask(a));
    if (!a.equals(b)) {
      assertThat(TOKEN.mask(a)).isNotEqualTo(TOKEN.mask(b));
    }
    assertThat(TOKEN.mask(a)).doesNotContain(a.length() > 3 ? a : "\u0000");
  }
}
