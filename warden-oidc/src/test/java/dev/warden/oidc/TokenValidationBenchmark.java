package dev.warden.oidc;

import com.nimbusds.jose.JWSAlgorithm;
import dev.warden.core.identity.Credential;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;

/**
 * Cost of validating a token whose key is cached (the connect-path cost per connection): a real
 * issuer on loopback, a warm-up, then timed validations. Not a test; run by
 * bench/token-validation.sh. Prints microseconds per validation.
 */
public final class TokenValidationBenchmark {
  private TokenValidationBenchmark() {}

  public static void main(String[] args) throws Exception {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int measured = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    MockOAuth2Server idp = new MockOAuth2Server();
    idp.start();
    String issuer = idp.issuerUrl("bench").toString();
    String token =
        idp.issueToken("bench", "agent", "warden", Map.of("groups", List.of("code-assistant")))
            .serialize();
    OidcIssuer config =
        new OidcIssuer(
            issuer,
            Set.of("warden"),
            null,
            Set.of(JWSAlgorithm.RS256),
            Duration.ofSeconds(60),
            "sub",
            "groups",
            Duration.ofHours(1),
            Duration.ofSeconds(30));
    try (OidcAuthenticator authenticator =
        new OidcAuthenticator(List.of(config), Clock.systemUTC())) {
      authenticator.refreshAll();
      Credential credential = new Credential(token);
      for (int i = 0; i < warmup; i++) {
        authenticator.authenticate(credential);
      }
      long start = System.nanoTime();
      for (int i = 0; i < measured; i++) {
        authenticator.authenticate(credential);
      }
      double micros = (System.nanoTime() - start) / 1000.0 / measured;
      System.out.printf(
          "RS256 token validation with a cached key: %.1f us/op (%d ops after %d warm-up)%n",
          micros, measured, warmup);
    } finally {
      idp.shutdown();
    }
  }
}
