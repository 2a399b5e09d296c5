package dev.warden.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.identity.Credential;
import dev.warden.core.identity.Identity;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Authenticates OIDC JWTs from trusted issuers. The issuer named in the token selects the only keys
 * that may verify it (its own JWKS); the header's algorithm must be one the issuer allows, and only
 * asymmetric algorithms exist here, so {@code alg: none} and HMAC-with-a-public-key cannot pass.
 * Key-carrying headers ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}) are never used. Then
 * expiry, not-before, audience and subject are checked. Errors say what is wrong and never echo the
 * token.
 */
public final class OidcAuthenticator implements Authenticator, AutoCloseable {
  /** Tokens larger than this are refused before parsing. */
  public static final int MAX_TOKEN_CHARS = 16 * 1024;

  private static final byte[] ED25519_X509_PREFIX =
      HexFormat.of().parseHex("302a300506032b6570032100");

  private final Map<String, OidcIssuer> issuers = new HashMap<>();
  private final Map<String, JwksCache> keys = new HashMap<>();
  private final Clock clock;
  private final ScheduledExecutorService scheduler;

  public OidcAuthenticator(List<OidcIssuer> issuers, Clock clock) {
    this.clock = clock;
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "warden-jwks-refresh");
              t.setDaemon(true);
              return t;
            });
    for (OidcIssuer issuer : issuers) {
      this.issuers.put(issuer.issuer(), issuer);
      JwksCache cache = new JwksCache(issuer, http, clock);
      keys.put(issuer.issuer(), cache);
      long every = issuer.refreshInterval().toMillis();
      // The first fetch runs at once, in the background: a provider down at start-up is retried.
      scheduler.scheduleWithFixedDelay(cache::refresh, 0, every, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public Authenticated authenticate(Credential credential) {
    String token = credential.secret();
    if (token.length() > MAX_TOKEN_CHARS) {
      throw invalid("the token is larger than 16 KiB", null);
    }
    SignedJWT jwt = parse(token);
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw invalid("the token's claims are not a JSON object", null);
    }
    OidcIssuer issuer = claims.getIssuer() == null ? null : issuers.get(claims.getIssuer());
    if (issuer == null) {
      throw invalid(
          "issuer "
              + (claims.getIssuer() == null ? "(none)" : "'" + claims.getIssuer() + "'")
              + " is not trusted",
          "trusted issuers: " + String.join(", ", issuers.keySet().stream().sorted().toList()));
    }
    JWSHeader header = jwt.getHeader();
    JWSAlgorithm algorithm = header.getAlgorithm();
    if (!issuer.algorithms().contains(algorithm)) {
      throw invalid(
          "algorithm " + algorithm + " is not allowed for issuer " + issuer.issuer(),
          "allowed: "
              + String.join(
                  ", ", issuer.algorithms().stream().map(JWSAlgorithm::getName).sorted().toList()));
    }
    JwksCache cache = keys.get(issuer.issuer());
    if (!verifiesWithAny(jwt, cache.candidates(header.getKeyID(), algorithm))
        // A provider may rotate a key under the same id: look again, rate-limited like unknown ids.
        && !(cache.refreshIfDue()
            && verifiesWithAny(jwt, cache.candidates(header.getKeyID(), algorithm)))) {
      throw invalid(
          "the token's signature is not valid",
          "get a fresh token from the issuer; do not modify it");
    }
    Instant now = clock.instant();
    Date expiry = claims.getExpirationTime();
    if (expiry == null) {
      throw invalid("the token has no expiry (exp)", null);
    }
    if (now.minus(issuer.clockSkew()).isAfter(expiry.toInstant())) {
      throw invalid(
          "the token expired at " + expiry.toInstant(), "get a fresh token and reconnect");
    }
    Date notBefore = claims.getNotBeforeTime();
    if (notBefore != null && now.plus(issuer.clockSkew()).isBefore(notBefore.toInstant())) {
      throw invalid(
          "the token is not valid before " + notBefore.toInstant(),
          "check the clocks of the issuer and of this client");
    }
    List<String> audience = claims.getAudience();
    if (audience == null || audience.stream().noneMatch(issuer.audiences()::contains)) {
      throw invalid(
          "audience must be " + String.join(" or ", issuer.audiences().stream().sorted().toList()),
          "request a token for that audience from the issuer");
    }
    Map<String, Object> json = claims.toJSONObject();
    Object subject = ClaimPaths.resolve(json, issuer.subjectClaim());
    if (!(subject instanceof String s) || s.isBlank()) {
      throw invalid("the token has no subject in claim '" + issuer.subjectClaim() + "'", null);
    }
    Set<String> groups = ClaimPaths.strings(ClaimPaths.resolve(json, issuer.groupsClaim()));
    Identity identity = new Identity(s, issuer.issuer(), groups, ClaimPaths.flatten(json));
    return Authenticated.of(identity, Set.of(), expiry.toInstant());
  }

  /** Refreshes every issuer's keys now (tests, and an administrator's explicit reload). */
  public void refreshAll() {
    keys.values().forEach(JwksCache::refresh);
  }

  /** Keys currently cached for an issuer. */
  public int cachedKeys(String issuer) {
    JwksCache cache = keys.get(issuer);
    return cache == null ? 0 : cache.size();
  }

  private static SignedJWT parse(String token) {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw invalid("the token is not a well-formed JWT", null);
    }
    if (!(jwt instanceof SignedJWT signed)) {
      throw invalid("the token is not signed (alg none is never accepted)", null);
    }
    return signed;
  }

  private static boolean verifiesWithAny(SignedJWT jwt, List<JWK> candidates) {
    return candidates.stream().anyMatch(key -> verifies(jwt, key));
  }

  private static boolean verifies(SignedJWT jwt, JWK key) {
    try {
      return switch (key) {
        case RSAKey rsa -> jwt.verify(new RSASSAVerifier(rsa.toRSAPublicKey()));
        case ECKey ec -> jwt.verify(new ECDSAVerifier(ec.toECPublicKey()));
        case OctetKeyPair okp -> verifyEd25519(jwt, okp);
        default -> false;
      };
    } catch (JOSEException | GeneralSecurityException | IllegalStateException e) {
      return false;
    }
  }

  /** EdDSA with the JDK's own Ed25519, so no extra crypto library is needed. */
  private static boolean verifyEd25519(SignedJWT jwt, OctetKeyPair key)
      throws GeneralSecurityException {
    if (!"Ed25519".equals(key.getCurve().getName())) {
      return false;
    }
    byte[] raw = key.getX().decode();
    byte[] encoded = new byte[ED25519_X509_PREFIX.length + raw.length];
    System.arraycopy(ED25519_X509_PREFIX, 0, encoded, 0, ED25519_X509_PREFIX.length);
    System.arraycopy(raw, 0, encoded, ED25519_X509_PREFIX.length, raw.length);
    PublicKey publicKey =
        KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
    Signature signature = Signature.getInstance("Ed25519");
    signature.initVerify(publicKey);
    signature.update(jwt.getSigningInput());
    Base64URL sig = jwt.getSignature();
    return signature.verify(sig.decode());
  }

  private static WardenException invalid(String message, String hint) {
    return new WardenException(ErrorCode.INVALID_TOKEN, message, hint);
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
