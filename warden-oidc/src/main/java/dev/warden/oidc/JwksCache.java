package dev.warden.oidc;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One issuer's signing keys, fetched from its JWKS endpoint and kept. Refreshed on a schedule and
 * when a token names a key id not in the set — at most once per {@code minRefreshInterval}, so a
 * flood of bad tokens cannot hammer the identity provider. While the provider is unreachable the
 * cached keys keep working; a key id that was never seen fails closed.
 */
final class JwksCache {
  private static final Logger LOG = LoggerFactory.getLogger(JwksCache.class);
  private static final int MAX_DOCUMENT_BYTES = 1024 * 1024;
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);

  private final OidcIssuer issuer;
  private final HttpClient http;
  private final Clock clock;
  private final ReentrantLock fetching = new ReentrantLock();
  private volatile JWKSet keys = new JWKSet();
  private volatile Instant lastAttempt = Instant.EPOCH;
  private volatile String lastFailure;
  private URI jwksUri;

  JwksCache(OidcIssuer issuer, HttpClient http, Clock clock) {
    this.issuer = issuer;
    this.http = http;
    this.clock = clock;
    this.jwksUri = issuer.jwksUri();
  }

  /** The keys that may have signed a token with this key id and algorithm. */
  List<JWK> candidates(String keyId, JWSAlgorithm algorithm) {
    List<JWK> found = select(keys, keyId, algorithm);
    if (!found.isEmpty()) {
      return found;
    }
    refreshIfDue();
    found = select(keys, keyId, algorithm);
    if (!found.isEmpty()) {
      return found;
    }
    String key = keyId == null ? "for " + algorithm : "'" + keyId + "'";
    if (lastFailure != null) {
      throw new WardenException(
          ErrorCode.INVALID_TOKEN,
          "signing key "
              + key
              + " is unknown and the keys of issuer "
              + issuer.issuer()
              + " cannot be fetched right now",
          "retry later; tokens signed with keys Warden already knows keep working");
    }
    throw new WardenException(
        ErrorCode.INVALID_TOKEN,
        "signing key " + key + " is not one of issuer " + issuer.issuer() + "'s keys",
        "get a fresh token from the issuer");
  }

  /**
   * Fetches now unless a fetch happened within {@code minRefreshInterval}; true when a fetch ran
   * and succeeded.
   */
  boolean refreshIfDue() {
    // Lock first: a fetch already in flight (the one at start, or a scheduled one) sets
    // lastAttempt before it has the keys, and a token checked meanwhile must wait for them rather
    // than be refused against the old set.
    fetching.lock();
    try {
      if (Duration.between(lastAttempt, clock.instant()).compareTo(issuer.minRefreshInterval())
          >= 0) {
        refresh();
        return lastFailure == null;
      }
      return false;
    } finally {
      fetching.unlock();
    }
  }

  /** Fetches the keys; on failure the cached keys stay and the failure is remembered. */
  void refresh() {
    fetching.lock();
    try {
      lastAttempt = clock.instant();
      if (jwksUri == null) {
        jwksUri = discoverJwksUri();
      }
      JWKSet fetched = JWKSet.parse(get(jwksUri));
      keys = fetched;
      lastFailure = null;
      LOG.debug("fetched {} key(s) of issuer {}", fetched.getKeys().size(), issuer.issuer());
    } catch (IOException | ParseException | RuntimeException e) {
      // Some failures (a refused connection) have no message: keep a non-null description.
      lastFailure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      LOG.warn(
          "cannot fetch the keys of issuer {}: {} (keeping {} cached key(s))",
          issuer.issuer(),
          lastFailure,
          keys.getKeys().size());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      lastFailure = "interrupted";
    } finally {
      fetching.unlock();
    }
  }

  int size() {
    return keys.getKeys().size();
  }

  private URI discoverJwksUri() throws IOException, InterruptedException, ParseException {
    URI discovery =
        URI.create(issuer.issuer().replaceAll("/+$", "") + "/.well-known/openid-configuration");
    Map<String, Object> document = JSONObjectUtils.parse(get(discovery));
    Object declared = document.get("issuer");
    if (!issuer.issuer().equals(declared)) {
      throw new IOException(
          "discovery document names issuer " + declared + ", not " + issuer.issuer());
    }
    Object uri = document.get("jwks_uri");
    if (!(uri instanceof String s)) {
      throw new IOException("discovery document has no jwks_uri");
    }
    return requireSecure(URI.create(s));
  }

  private String get(URI uri) throws IOException, InterruptedException {
    requireSecure(uri);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri)
                .timeout(HTTP_TIMEOUT)
                .header("Accept", "application/json")
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException(uri + " answered HTTP " + response.statusCode());
    }
    if (response.body().length() > MAX_DOCUMENT_BYTES) {
      throw new IOException(uri + " answered more than 1 MiB");
    }
    return response.body();
  }

  /** Keys come over HTTPS, or plain HTTP on loopback only (a development identity provider). */
  static URI requireSecure(URI uri) throws IOException {
    if ("https".equals(uri.getScheme())) {
      return uri;
    }
    if ("http".equals(uri.getScheme())
        && uri.getHost() != null
        && InetAddress.getByName(uri.getHost()).isLoopbackAddress()) {
      return uri;
    }
    throw new IOException(
        "refusing to fetch keys from " + uri + ": only https (or http on loopback) is allowed");
  }

  static List<JWK> select(JWKSet set, String keyId, JWSAlgorithm algorithm) {
    KeyType type = KeyType.forAlgorithm(algorithm);
    return set.getKeys().stream()
        .filter(k -> keyId == null || keyId.equals(k.getKeyID()))
        .filter(k -> k.getKeyType().equals(type))
        .filter(k -> k.getKeyUse() == null || KeyUse.SIGNATURE.equals(k.getKeyUse()))
        .filter(
            k ->
                k.getAlgorithm() == null
                    || k.getAlgorithm().equals(algorithm)
                    || isEdDsa(k, algorithm))
        .toList();
  }

  private static boolean isEdDsa(JWK key, JWSAlgorithm algorithm) {
    return (JWSAlgorithm.EdDSA.equals(algorithm) || JWSAlgorithm.Ed25519.equals(algorithm))
        && (JWSAlgorithm.EdDSA.equals(key.getAlgorithm())
            || JWSAlgorithm.Ed25519.equals(key.getAlgorithm()));
  }
}
