package dev.warden.core.identity;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;

/**
 * Sends a credential to the authenticator for its kind: a Warden service key ({@code wdn_…}) or a
 * JWT (three dot-separated parts). Anything else is refused without trying either.
 */
public final class CredentialRouter implements Authenticator {
  private final Authenticator serviceKeys;
  private final Authenticator tokens;

  /** {@code tokens} may be null when no OIDC issuer is configured. */
  public CredentialRouter(Authenticator serviceKeys, Authenticator tokens) {
    this.serviceKeys = serviceKeys;
    this.tokens = tokens;
  }

  @Override
  public Authenticated authenticate(Credential credential) {
    String secret = credential.secret();
    if (secret == null || secret.isEmpty() || secret.startsWith(ServiceKey.PREFIX)) {
      return serviceKeys.authenticate(credential);
    }
    if (looksLikeJwt(secret)) {
      if (tokens == null) {
        throw new WardenException(
            ErrorCode.INVALID_TOKEN,
            "a token was presented, but this gateway trusts no token issuer",
            "use a Warden service key, or ask an administrator to configure identities.oidc");
      }
      return tokens.authenticate(credential);
    }
    throw new WardenException(
        ErrorCode.AUTHENTICATION_FAILED,
        "the presented credential is neither a Warden service key nor a token",
        "send a service key (wdn_…) or a JWT from a trusted issuer as the password");
  }

  static boolean looksLikeJwt(String secret) {
    int first = secret.indexOf('.');
    return first > 0 && secret.indexOf('.', first + 1) > first;
  }
}
