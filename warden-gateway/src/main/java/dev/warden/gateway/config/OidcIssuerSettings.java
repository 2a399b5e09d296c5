package dev.warden.gateway.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A trusted token issuer as configured ({@code identities.oidc.issuers[]}); the composition root
 * turns it into the OIDC module's issuer.
 *
 * @param issuer the exact {@code iss} value
 * @param audiences tokens must name at least one of these in {@code aud}
 * @param jwksUri where the signing keys are; null to take it from the issuer's discovery document
 * @param algorithms the JWS algorithm names accepted (asymmetric only: {@link #ALGORITHMS})
 * @param refreshInterval how often the keys are refreshed on a schedule
 * @param minRefreshInterval the least time between two fetches prompted by unknown key ids
 */
public record OidcIssuerSettings(
    String issuer,
    Set<String> audiences,
    URI jwksUri,
    Set<String> algorithms,
    Duration clockSkew,
    String subjectClaim,
    String groupsClaim,
    Duration refreshInterval,
    Duration minRefreshInterval) {

  /** The algorithms that may be configured: RSA (PKCS#1, PSS), ECDSA, EdDSA. Never HMAC or none. */
  public static final Set<String> ALGORITHMS =
      Set.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
          "Ed25519");

  public static final List<String> DEFAULT_ALGORITHMS = List.of("RS256", "PS256", "ES256", "EdDSA");

  public OidcIssuerSettings {
    audiences = Set.copyOf(audiences);
    algorithms = Set.copyOf(algorithms);
  }
}
