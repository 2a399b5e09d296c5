package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tls.admin: true}: the admin listener (API and console) serves HTTPS with the gateway's own
 * certificate; plain HTTP gets nowhere; the CLI reaches it trusting the CA given with {@code --ca}.
 */
class AdminTlsIT {
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start(Map.of(), "tls:\n  admin: true\n");
  }

  @AfterAll
  static void stop() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private static String[] warden(String... args) {
    return Cli.run(args);
  }

  @Test
  void theAdminListenerSpeaksOnlyHttpsWithTheGatewaysCertificate() throws Exception {
    String https = "https://localhost:" + fixture.adminPort();
    HttpClient trusting =
        HttpClient.newBuilder().sslContext(McpIT.trusting(fixture.caCertificate())).build();
    HttpResponse<String> health =
        trusting.send(
            HttpRequest.newBuilder(URI.create(https + "/health")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    // Plain HTTP on the same port gets no answer it could use.
    assertThatThrownBy(
            () ->
                HttpClient.newHttpClient()
                    .send(
                        HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + fixture.adminPort() + "/health"))
                            .timeout(java.time.Duration.ofSeconds(5))
                            .build(),
                        HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(java.io.IOException.class);
    // The CLI, trusting the gateway's CA.
    String[] listed =
        warden(
            "approvals",
            "list",
            "--admin-url",
            https,
            "--token",
            fixture.agentKey,
            "--ca",
            fixture.caCertificate().toString());
    assertThat(listed[0]).as(listed[2]).isEqualTo("0");
    // Without it, the certificate is not trusted, and the CLI says it cannot reach the API.
    String[] untrusted =
        warden("approvals", "list", "--admin-url", https, "--token", fixture.agentKey);
    assertThat(untrusted[0]).isNotEqualTo("0");
    assertThat(untrusted[2]).contains("cannot reach the admin API");
  }
}
