package dev.warden.it;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * A real OIDC issuer on loopback (mock-oauth2-server: discovery, JWKS, token endpoint) whose
 * signing keys the test chooses, so it can rotate them, go down and come back on the same port, and
 * so attack tokens can be crafted with exactly the keys an attacker would or would not have. Issuer
 * ids are bound to keys in the order given.
 */
final class IdentityProvider implements AutoCloseable {
  static final String ISSUER_ID = "warden-it";
  static final String SECOND_ISSUER_ID = "second";

  final int port;
  private MockOAuth2Server server;
  private List<RSAKey> keys;

  private IdentityProvider(int port) {
    this.port = port;
  }

  /** Starts with a fresh key for each of the given issuer ids. */
  static IdentityProvider start(String... issuerIds) throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    IdentityProvider idp = new IdentityProvider(port);
    List<RSAKey> keys = new ArrayList<>();
    for (String id : issuerIds) {
      keys.add(newKey(id));
    }
    idp.startWith(keys, issuerIds);
    return idp;
  }

  /**
   * A fresh RSA key. mock-oauth2-server publishes each issuer's key under the issuer id as key id,
   * so a key meant for an issuer is made with that id.
   */
  static RSAKey newKey(String keyId) throws Exception {
    return new RSAKeyGenerator(2048).keyID(keyId).algorithm(JWSAlgorithm.RS256).generate();
  }

  /** (Re)starts on the same port; issuer ids get {@code keys} in order. */
  void startWith(List<RSAKey> keys, String... issuerIds) {
    this.keys = List.copyOf(keys);
    List<JWK> initial = new ArrayList<>(keys);
    OAuth2TokenProvider tokens =
        new OAuth2TokenProvider(new KeyProvider(initial, "RS256"), Instant::now);
    server = new MockOAuth2Server(new OAuth2Config(false, null, null, false, tokens));
    server.start(port);
    for (String id : issuerIds) {
      server.issueToken(id, "bind-key", "bind"); // binds the next key to this issuer id
    }
  }

  void stop() {
    server.shutdown();
  }

  String issuer(String id) {
    return server.issuerUrl(id).toString();
  }

  String issuer() {
    return issuer(ISSUER_ID);
  }

  String jwksUri(String id) {
    return server.jwksUrl(id).toString();
  }

  RSAKey key(int index) {
    return keys.get(index);
  }

  /** A token signed by the issuer itself, with these claims (they override the defaults). */
  String token(String issuerId, Map<String, Object> claims, Duration expiry) {
    return server.anyToken(server.issuerUrl(issuerId), claims, expiry).serialize();
  }

  /** The usual agent token: audience warden, 1 hour. */
  String token(String subject, List<String> groups) {
    return token(
        ISSUER_ID,
        Map.of("sub", subject, "aud", List.of("warden"), "groups", groups),
        Duration.ofHours(1));
  }

  /** A token signed with any key, with any header key id and claims: for attacks and rotation. */
  static String sign(RSAKey key, String keyId, JWTClaimsSet claims, Map<String, Object> extraHeader)
      throws Exception {
    JWSHeader.Builder header =
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keyId).type(JOSEObjectType.JWT);
    for (Map.Entry<String, Object> e : extraHeader.entrySet()) {
      switch (e.getKey()) {
        case "jku" -> header.jwkURL(java.net.URI.create((String) e.getValue()));
        case "x5u" -> header.x509CertURL(java.net.URI.create((String) e.getValue()));
        default -> header.customParam(e.getKey(), e.getValue());
      }
    }
    SignedJWT jwt = new SignedJWT(header.build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  /** Claims a valid agent token would carry, for issuer {@code issuer}. */
  static JWTClaimsSet.Builder claims(String issuer, String subject) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(issuer)
        .subject(subject)
        .audience("warden")
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
        .claim("groups", List.of("code-assistant"));
  }

  /** The YAML of an issuers entry with the default refresh rate limit (30 s). */
  String issuerYamlWithDefaults(String id) {
    return "      - {issuer: \"" + issuer(id) + "\", audiences: [warden]}\n";
  }

  /** Requests the issuer received, in order, waiting at most {@code millis} for each. */
  List<String> drainRequests(long millis) {
    List<String> paths = new ArrayList<>();
    while (true) {
      okhttp3.mockwebserver.RecordedRequest request;
      try {
        request = server.takeRequest(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        return paths; // mock-oauth2-server signals "none within the timeout" by throwing
      }
      if (request == null) {
        return paths;
      }
      paths.add(request.getPath());
    }
  }

  /** The YAML of an issuers entry trusting this provider's issuer id. */
  String issuerYaml(String id) {
    return "      - {issuer: \""
        + issuer(id)
        + "\", audiences: [warden], jwksMinRefreshInterval: 0s, jwksRefreshInterval: 1h}\n";
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
