package dev.warden.core.identity;

import dev.warden.core.error.WardenException;

/**
 * Establishes who presented a credential. Implementations may block (e.g. to fetch keys), so
 * callers run them off the network event loop.
 */
public interface Authenticator {

  /**
   * Returns the authenticated caller, or throws {@link WardenException} with {@code
   * AUTHENTICATION_FAILED} and a reason that never echoes the credential.
   */
  Authenticated authenticate(Credential credential);
}
