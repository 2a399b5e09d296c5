package dev.warden.core.identity;

import java.util.regex.Pattern;

/**
 * Finds what looks like a credential in text a client filled in, so that it is never logged or
 * recorded: a JWT (three base64url parts, the first a JSON header), a Warden service key ({@code
 * wdn_…}), and — in fields that name things (a user, an application, a database) rather than carry
 * data — any long opaque token. Clients put credentials in the wrong field often enough ({@code
 * psql -U "$TOKEN"}) that every field a client fills must be treated as if it held one.
 */
public final class CredentialShapes {
  /** What replaces a credential. */
  public static final String REDACTED = "[credential]";

  /** A JWS or JWE compact serialization: its header is base64url JSON ({@code eyJ}). */
  private static final Pattern JWT =
      Pattern.compile(
          "eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*(\\.[A-Za-z0-9_.-]*)?");

  private static final Pattern SERVICE_KEY =
      Pattern.compile(ServiceKey.PREFIX + "[A-Za-z0-9_-]{8,}");

  /** 32 or more characters of base64, base64url or hex, with letters and digits mixed. */
  private static final Pattern OPAQUE =
      Pattern.compile(
          "(?=[A-Za-z0-9+/=_.~-]*[0-9])(?=[A-Za-z0-9+/=_.~-]*[A-Za-z])[A-Za-z0-9+/=_.~-]{32,}");

  private CredentialShapes() {}

  /** The text with every JWT and service key replaced by {@link #REDACTED}. */
  public static String redact(String text) {
    if (text == null || (text.indexOf("eyJ") < 0 && text.indexOf(ServiceKey.PREFIX) < 0)) {
      return text;
    }
    String out = JWT.matcher(text).replaceAll(REDACTED);
    return SERVICE_KEY.matcher(out).replaceAll(REDACTED);
  }

  /**
   * A naming field (user, application, database name) with credentials and anything long and opaque
   * replaced: no user or application name looks like that.
   */
  public static String redactName(String name) {
    String out = redact(name);
    return out == null ? null : OPAQUE.matcher(out).replaceAll(REDACTED);
  }
}
