package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.Slf4jAuditLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /ready} is not {@code /health}: a gateway that listens but cannot yet check a token (its
 * issuer's keys are not cached) is healthy and not ready — a load balancer sends it no traffic —
 * and is ready once everything a statement needs is there.
 */
class ReadyIT {
  private static HttpResponse<String> get(GatewayFixture gateway, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aGatewayWhoseIssuerKeysAreMissingIsHealthyButNotReady() throws Exception {
    String unreachable =
        "  oidc:\n    issuers:\n"
            + "      - {issuer: \"https://issuer.invalid\", audiences: [warden],"
            + " jwksUri: \"http://127.0.0.1:9/jwks\"}\n";
    try (GatewayFixture gateway =
        GatewayFixture.start(Map.of(), "", unreachable, new Slf4jAuditLog())) {
      assertThat(get(gateway, "/health").statusCode()).isEqualTo(200);
      HttpResponse<String> ready = get(gateway, "/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body())
          .contains("\"keys of https://issuer.invalid\":false")
          .contains("\"listening\":true");
    }
  }

  @Test
  void aGatewayWithEverythingItNeedsIsReady() throws Exception {
    try (IdentityProvider idp = IdentityProvider.start(IdentityProvider.ISSUER_ID);
        GatewayFixture gateway =
            GatewayFixture.start(
                Map.of(),
                "",
                "  oidc:\n    issuers:\n" + idp.issuerYaml(IdentityProvider.ISSUER_ID),
                new Slf4jAuditLog())) {
      BadInputIT.waitFor(() -> gateway.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
      HttpResponse<String> ready = get(gateway, "/ready");
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
      assertThat(ready.body()).contains("\"status\":\"ready\"").contains("\"audit\":true");
    }
  }
}
