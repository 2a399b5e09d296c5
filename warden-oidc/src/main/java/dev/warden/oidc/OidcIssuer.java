package dev.warden.oidc;

import com.nimbusds.jose.JWSAlgorithm;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A trusted token issuer.
 *
 * @param issuer the exact {@code iss} value
 * @param audiences tokens must name at least one of these in {@code aud}
 * @param jwksUri where the signing keys are; null to take it from the issuer's discovery document
 * @param algorithms the signature algorithms accepted (asymmetric only)
 * @param subjectClaim path of the subject claim (dots walk into objects)
 * @param groupsClaim path of the groups claim (a string or an array of strings)
 * @param refreshInterval how often the keys are refreshed on a schedule
 * @param minRefreshInterval the least time between two fetches prompted by unknown key ids, so a
 *     flood of bad tokens cannot hammer the identity provider
 */
public record OidcIssuer(
    String issuer,
    Set<String> audiences,
    URI jwksUri,
    Set<JWSAlgorithm> algorithms,
    Duration clockSkew,
    String subjectClaim,
    String groupsClaim,
    Duration refreshInterval,
    Duration minRefreshInterval) {

  /**
   * The algorithms Warden can accept: RSA (PKCS#1 and PSS), ECDSA and EdDSA. Never HMAC or none.
   */
  public static final Set<JWSAlgorithm> SUPPORTED =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512,
          JWSAlgorithm.EdDSA,
          JWSAlgorithm.Ed25519);

  public static final List<String> DEFAULT_ALGORITHMS = List.of("RS256", "PS256", "ES256", "EdDSA");

  public OidcIssuer {
    audiences = Set.copyOf(audiences);
    algorithms = Set.copyOf(algorithms);
    if (!SUPPORTED.containsAll(algorithms)) {
      throw new IllegalArgumentException(
          "unsupported algorithm in " + algorithms + "; supported: RS*, PS*, ES*, EdDSA");
    }
  }
}
