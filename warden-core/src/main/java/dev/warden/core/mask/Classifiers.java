package dev.warden.core.mask;

import java.util.EnumSet;
import java.util.Set;

/**
 * Finds regulated values in free text and masks them: the net under lineage-based masking, for
 * values that reach a result by a path no plan foresaw. Every scan is a single forward pass with
 * bounded look-ahead (no regular expressions, no backtracking), so a cell costs time linear in its
 * length whatever it holds. Digits are any Unicode decimal digits, so a card number written in
 * full-width or Arabic-Indic digits is still a card number.
 *
 * <p>Masks: card numbers and IBANs keep their last four digits ({@code ****-****-****-1111}), SSNs
 * become {@code ***-**-****}, e-mail addresses keep the first character and the domain ({@code
 * j***@example.com}).
 */
public final class Classifiers {
  private static final int CARD_MIN = 13;
  private static final int CARD_MAX = 19;
  private static final MaskStrategy KEEP_LAST_4 = new MaskStrategy.KeepLast(4);
  private static final MaskStrategy EMAIL_MASK = new MaskStrategy.PartialEmail();

  private final boolean cards;
  private final boolean ssns;
  private final boolean emails;
  private final boolean ibans;

  public Classifiers(Set<DataClass> enabled) {
    Set<DataClass> set =
        enabled.isEmpty() ? EnumSet.noneOf(DataClass.class) : EnumSet.copyOf(enabled);
    cards = set.contains(DataClass.CARD_NUMBER);
    ssns = set.contains(DataClass.SSN);
    emails = set.contains(DataClass.EMAIL);
    ibans = set.contains(DataClass.IBAN);
  }

  public static Classifiers all() {
    return new Classifiers(EnumSet.allOf(DataClass.class));
  }

  public boolean enabled() {
    return cards || ssns || emails || ibans;
  }

  /**
   * Whether a cell with these counts could hold a finding, so a caller can skip decoding it: a card
   * number needs 13 digits, an SSN 9, an IBAN 15 characters with digits, an e-mail an '@';
   * non-ASCII text may hold digits of other scripts, so it is always scanned.
   */
  public boolean mayMatch(int asciiDigits, boolean at, boolean nonAscii, int length) {
    return nonAscii
        || (cards && asciiDigits >= CARD_MIN)
        || (ssns && asciiDigits >= 9)
        || (ibans && asciiDigits >= 2 && length >= 15)
        || (emails && at);
  }

  /** The text with every finding masked; the same instance when there was nothing to mask. */
  public String scrub(String text) {
    if (!enabled() || !interesting(text)) {
      return text;
    }
    StringBuilder out = null;
    int copied = 0;
    int i = 0;
    int n = text.length();
    while (i < n) {
      int end = -1;
      String mask = null;
      char c = text.charAt(i);
      if (isDigit(c) && (i == 0 || !isDigit(text.charAt(i - 1)))) {
        if (cards && (end = card(text, i)) > 0) {
          mask = KEEP_LAST_4.mask(text.substring(i, end));
        } else if (ssns && (end = ssn(text, i)) > 0) {
          mask = "***-**-****";
        }
      } else if (ibans
          && isUpperAscii(c)
          && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))
          && (end = iban(text, i)) > 0) {
        mask = KEEP_LAST_4.mask(text.substring(i, end));
      } else if (emails && c == '@') {
        int start = emailStart(text, i);
        int stop = start < i ? emailEnd(text, i) : -1;
        if (stop > 0 && start >= copied) {
          if (out == null) {
            out = new StringBuilder(n);
          }
          out.append(text, copied, start).append(EMAIL_MASK.mask(text.substring(start, stop)));
          copied = stop;
          i = stop;
          continue;
        }
      }
      if (mask != null) {
        if (out == null) {
          out = new StringBuilder(n);
        }
        out.append(text, copied, i).append(mask);
        copied = end;
        i = end;
      } else {
        i++;
      }
    }
    if (out == null) {
      return text;
    }
    return out.append(text, copied, n).toString();
  }

  /** Whether the text has anything a classifier could match: a digit, an '@' or a capital. */
  private boolean interesting(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isDigit(c) || c == '@') {
        return true;
      }
    }
    return false;
  }

  /**
   * A card number starting at {@code start}: 13 to 19 digits with single spaces or dashes between
   * them, Luhn-valid, not followed by another digit; the longest such. The end index, or -1.
   */
  static int card(String s, int start) {
    int[] digits = new int[CARD_MAX];
    int count = 0;
    int i = start;
    int best = -1;
    while (i < s.length() && count < CARD_MAX) {
      char c = s.charAt(i);
      if (isDigit(c)) {
        digits[count++] = Character.digit(c, 10);
        i++;
        if (count >= CARD_MIN
            && (i >= s.length() || !isDigit(s.charAt(i)))
            && luhn(digits, count)) {
          best = i;
        }
      } else if ((c == ' ' || c == '-') && i + 1 < s.length() && isDigit(s.charAt(i + 1))) {
        i++;
      } else {
        break;
      }
    }
    return best;
  }

  static boolean luhn(int[] digits, int count) {
    int sum = 0;
    for (int k = 0; k < count; k++) {
      int d = digits[count - 1 - k];
      if (k % 2 == 1) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
    }
    return sum % 10 == 0;
  }

  /** {@code NNN-NN-NNNN} (or with spaces), area not 000, 666 or 9xx, group and serial not 0. */
  static int ssn(String s, int start) {
    if (start + 11 > s.length()) {
      return -1;
    }
    char sep = s.charAt(start + 3);
    if ((sep != '-' && sep != ' ') || s.charAt(start + 6) != sep) {
      return -1;
    }
    int area = 0;
    int group = 0;
    int serial = 0;
    for (int k = 0; k < 11; k++) {
      if (k == 3 || k == 6) {
        continue;
      }
      char c = s.charAt(start + k);
      if (!isDigit(c)) {
        return -1;
      }
      int d = Character.digit(c, 10);
      if (k < 3) {
        area = area * 10 + d;
      } else if (k < 6) {
        group = group * 10 + d;
      } else {
        serial = serial * 10 + d;
      }
    }
    int end = start + 11;
    if (end < s.length() && isDigit(s.charAt(end))) {
      return -1;
    }
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) {
      return -1;
    }
    return end;
  }

  /**
   * An IBAN: two capital letters, two check digits, then 11 to 30 letters or digits (in groups of
   * four separated by single spaces, or not), passing mod-97. The end index, or -1.
   */
  static int iban(String s, int start) {
    if (start + 15 > s.length()
        || !isUpperAscii(s.charAt(start + 1))
        || !isAsciiDigit(s.charAt(start + 2))
        || !isAsciiDigit(s.charAt(start + 3))) {
      return -1;
    }
    char[] chars = new char[34];
    int count = 0;
    int i = start;
    int best = -1;
    while (i < s.length() && count < 34) {
      char c = s.charAt(i);
      if (isAsciiDigit(c) || isUpperAscii(c)) {
        chars[count++] = c;
        i++;
        if (count >= 15
            && (i >= s.length() || !Character.isLetterOrDigit(s.charAt(i)))
            && mod97(chars, count)) {
          best = i;
        }
      } else if (c == ' '
          && count % 4 == 0
          && i + 1 < s.length()
          && isAsciiAlnum(s.charAt(i + 1))) {
        i++;
      } else {
        break;
      }
    }
    return best;
  }

  private static boolean mod97(char[] chars, int count) {
    int remainder = 0;
    for (int k = 0; k < count; k++) {
      char c = chars[(k + 4) % count];
      int value = isAsciiDigit(c) ? c - '0' : c - 'A' + 10;
      remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97;
    }
    return remainder == 1;
  }

  private static int emailStart(String s, int at) {
    int i = at;
    while (i > 0 && at - i < 64 && isLocalChar(s.charAt(i - 1))) {
      i--;
    }
    return i;
  }

  /** The end of the domain after '@': labels of letters, digits, '-', with at least one dot. */
  private static int emailEnd(String s, int at) {
    int i = at + 1;
    int lastDot = -1;
    while (i < s.length() && i - at <= 255) {
      char c = s.charAt(i);
      if (Character.isLetterOrDigit(c) || c == '-') {
        i++;
      } else if (c == '.'
          && i > at + 1
          && s.charAt(i - 1) != '.'
          && i + 1 < s.length()
          && Character.isLetterOrDigit(s.charAt(i + 1))) {
        lastDot = i;
        i++;
      } else {
        break;
      }
    }
    return lastDot > at + 1 && i - lastDot > 2 ? i : -1;
  }

  private static boolean isLocalChar(char c) {
    return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9' || (c > 0x7f && Character.isDigit(c));
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isUpperAscii(char c) {
    return c >= 'A' && c <= 'Z';
  }

  private static boolean isAsciiAlnum(char c) {
    return isAsciiDigit(c) || isUpperAscii(c);
  }
}
