package dev.warden.demo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * The demo's development identity provider: mock-oauth2-server on loopback, a real OIDC issuer
 * (discovery, JWKS, token endpoint) whose RSA signing key is kept in the data directory, so that
 * {@code warden demo token} can mint tokens for any subject and groups while the demo runs.
 */
public final class DemoIdentityProvider implements AutoCloseable {
  public static final String ISSUER_ID = "warden-demo";
  public static final String AUDIENCE = "warden";
  public static final String KEY_FILE = "idp-signing-key.json";

  private final MockOAuth2Server server;
  private final RSAKey key;

  private DemoIdentityProvider(MockOAuth2Server server, RSAKey key) {
    this.server = server;
    this.key = key;
  }

  /** Starts with a new signing key, written to {@code dir/idp-signing-key.json} (owner-only). */
  public static DemoIdentityProvider start(Path dir) throws IOException {
    RSAKey key;
    try {
      // mock-oauth2-server publishes an issuer's key under the issuer id as key id.
      key = new RSAKeyGenerator(2048).keyID(ISSUER_ID).algorithm(JWSAlgorithm.RS256).generate();
    } catch (JOSEException e) {
      throw new IOException("cannot generate the demo identity provider's key", e);
    }
    Path file = dir.resolve(KEY_FILE);
    Files.writeString(file, key.toJSONString());
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    List<JWK> keys = List.of(key);
    OAuth2TokenProvider tokens =
        new OAuth2TokenProvider(new KeyProvider(keys, "RS256"), Instant::now);
    MockOAuth2Server server =
        // Interactive login: the console's sign-in page asks for a user name and claims.
        new MockOAuth2Server(new OAuth2Config(true, null, null, false, tokens));
    server.start(java.net.InetAddress.getLoopbackAddress(), 0);
    server.issueToken(ISSUER_ID, "bind", AUDIENCE); // binds the key to the issuer
    return new DemoIdentityProvider(server, key);
  }

  public String issuer() {
    return server.issuerUrl(ISSUER_ID).toString();
  }

  public String token(String subject, List<String> groups, Duration lifetime) {
    return mint(key, issuer(), subject, groups, lifetime);
  }

  /** Signs a token as the demo issuer, with the key from {@code keyFile}. */
  public static String mint(
      Path keyFile, String issuer, String subject, List<String> groups, Duration lifetime)
      throws IOException {
    try {
      return mint(RSAKey.parse(Files.readString(keyFile)), issuer, subject, groups, lifetime);
    } catch (ParseException e) {
      throw new IOException(keyFile + " is not a JWK: " + e.getMessage(), e);
    }
  }

  private static String mint(
      RSAKey key, String issuer, String subject, List<String> groups, Duration lifetime) {
    Instant now = Instant.now();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(subject)
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(lifetime)))
            .jwtID(UUID.randomUUID().toString())
            .claim("groups", groups)
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a demo token", e);
    }
    return jwt.serialize();
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
