package dev.warden.core.mask;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a masked value is replaced. Each strategy maps a non-null value to its mask, or to null (SQL
 * NULL). Strategies that produce text are for text columns; for any other type the column gets NULL
 * or the policy's constant, so a masked value is always valid for its type.
 */
public sealed interface MaskStrategy {

  /** The mask of a non-null value; null means SQL NULL. */
  String mask(String value);

  /** Whether this strategy's output is text, valid only for text columns. */
  default boolean producesText() {
    return true;
  }

  /** A fixed token that says nothing about the value, not even its length. */
  record Redact() implements MaskStrategy {
    public static final String TOKEN = "[REDACTED]";

    @Override
    public String mask(String value) {
      return TOKEN;
    }
  }

  /**
   * Every letter and digit but the last {@code n} becomes {@code *}; separators stay, so {@code
   * 4111-1111-1111-1111} becomes {@code ****-****-****-1111}. A value with {@code n} or fewer
   * letters and digits is masked entirely: its "last n" would be all of it.
   */
  record KeepLast(int n) implements MaskStrategy {
    public KeepLast {
      if (n < 0 || n > 8) {
        throw new IllegalArgumentException("keep last 0 to 8 characters");
      }
    }

    @Override
    public String mask(String value) {
      int alnum = 0;
      for (int i = 0; i < value.length(); i++) {
        if (Character.isLetterOrDigit(value.charAt(i))) {
          alnum++;
        }
      }
      int keepFrom = alnum > n ? alnum - n : Integer.MAX_VALUE;
      StringBuilder out = new StringBuilder(value.length());
      int seen = 0;
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (Character.isLetterOrDigit(c)) {
          out.append(seen++ >= keepFrom ? c : '*');
        } else if (Character.isSurrogate(c)) {
          out.append('*');
        } else {
          out.append(c);
        }
      }
      return out.toString();
    }
  }

  /**
   * The local part's first character, then {@code ***}, then the domain: {@code
   * jane.doe@example.com} becomes {@code j***@example.com}. Without an {@code @} it is redacted.
   */
  record PartialEmail() implements MaskStrategy {
    @Override
    public String mask(String value) {
      int at = value.lastIndexOf('@');
      if (at <= 0 || at == value.length() - 1) {
        return Redact.TOKEN;
      }
      int first = Character.charCount(value.codePointAt(0));
      return value.substring(0, first) + "***" + value.substring(at);
    }
  }

  /**
   * A keyed hash: the same value always gets the same token, so joins and GROUP BY on the token
   * still work, but without the key the token reveals nothing (HMAC-SHA-256, truncated to 16 hex
   * characters, prefixed {@code tok_}).
   */
  record Token(byte[] key) implements MaskStrategy {
    public Token {
      if (key.length < 16) {
        throw new IllegalArgumentException("a token key needs at least 16 bytes");
      }
      key = key.clone();
    }

    @Override
    public String mask(String value) {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
        return "tok_" + java.util.HexFormat.of().formatHex(digest, 0, 8);
      } catch (NoSuchAlgorithmException | InvalidKeyException e) {
        throw new IllegalStateException("HMAC-SHA-256 is part of every JDK", e);
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Token t && java.security.MessageDigest.isEqual(key, t.key);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(key);
    }

    @Override
    public String toString() {
      return "Token[key=<hidden>]";
    }
  }

  /** SQL NULL, valid for every type. */
  record Nullify() implements MaskStrategy {
    @Override
    public String mask(String value) {
      return null;
    }

    @Override
    public boolean producesText() {
      return false;
    }
  }

  /** A constant chosen by the policy (which must be valid for the column's type). */
  record Constant(String value) implements MaskStrategy {
    @Override
    public String mask(String ignored) {
      return value;
    }

    @Override
    public boolean producesText() {
      return false;
    }
  }
}
