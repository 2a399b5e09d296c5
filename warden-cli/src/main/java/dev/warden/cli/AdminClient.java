package dev.warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The admin API, as the CLI's commands call it: {@code --admin-url} (or {@code WARDEN_ADMIN_URL})
 * and {@code --token} (or {@code WARDEN_TOKEN}, an OIDC token or service key whose roles grant the
 * permission the command needs).
 */
final class AdminClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The options every API command takes. */
  static final class Options {
    @Option(
        names = "--admin-url",
        defaultValue = "${env:WARDEN_ADMIN_URL:-http://127.0.0.1:8080}",
        description = "The gateway's admin API (default: $WARDEN_ADMIN_URL or ${DEFAULT-VALUE}).")
    String adminUrl;

    @Option(
        names = "--token",
        defaultValue = "${env:WARDEN_TOKEN}",
        description = "Bearer token or service key (default: $WARDEN_TOKEN).")
    String token;

    @Option(
        names = "--ca",
        defaultValue = "${env:WARDEN_CA_CERT}",
        description =
            "For an HTTPS admin API (tls.admin): the CA certificate to trust, e.g. the gateway's"
                + " development CA dataDir/tls/ca.crt (default: $WARDEN_CA_CERT; none: the"
                + " system's).")
    java.nio.file.Path ca;
  }

  private final Options options;
  private final HttpClient http;

  AdminClient(Options options) {
    this.options = options;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (options.ca != null) {
      builder.sslContext(trusting(options.ca));
    }
    this.http = builder.build();
  }

  /** A TLS context that trusts the CA certificate(s) in {@code file}. */
  private static javax.net.ssl.SSLContext trusting(java.nio.file.Path file) {
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (var certificate :
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca" + i++, certificate);
      }
      var managers =
          javax.net.ssl.TrustManagerFactory.getInstance(
              javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      managers.init(trust);
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, managers.getTrustManagers(), null);
      return context;
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the CA certificate " + file + ": " + e, e);
    }
  }

  /** A failed call, with what to tell the user. */
  static final class ApiException extends Exception {
    ApiException(String message) {
      super(message);
    }
  }

  JsonNode get(String path, Map<String, String> query) throws ApiException {
    HttpResponse<InputStream> response = send(path, query);
    try (InputStream body = response.body()) {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new ApiException("cannot read the answer of " + options.adminUrl + path + ": " + e);
    }
  }

  /** POSTs a JSON body; the answer as JSON. */
  JsonNode post(String path, Map<String, String> body) throws ApiException {
    return postJson(path, body);
  }

  /** POSTs any JSON-serialisable body; the answer as JSON. */
  JsonNode postJson(String path, Object body) throws ApiException {
    HttpResponse<InputStream> response;
    try {
      response =
          send(path, Map.of(), HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    } catch (IOException e) {
      throw new ApiException("cannot encode the request: " + e.getMessage());
    }
    try (InputStream in = response.body()) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new ApiException("cannot read the answer of " + options.adminUrl + path + ": " + e);
    }
  }

  /** POSTs {@code body} as it is (a JSON text) with query parameters; the answer as JSON. */
  JsonNode postText(String path, Map<String, String> query, String body) throws ApiException {
    HttpResponse<InputStream> response =
        send(path, query, HttpRequest.BodyPublishers.ofString(body));
    try (InputStream in = response.body()) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new ApiException("cannot read the answer of " + options.adminUrl + path + ": " + e);
    }
  }

  /** A streamed answer (JSON lines). */
  InputStream stream(String path, Map<String, String> query) throws ApiException {
    return send(path, query).body();
  }

  private HttpResponse<InputStream> send(String path, Map<String, String> query)
      throws ApiException {
    return send(path, query, null);
  }

  private HttpResponse<InputStream> send(
      String path, Map<String, String> query, HttpRequest.BodyPublisher body) throws ApiException {
    if (options.token == null || options.token.isBlank()) {
      throw new ApiException(
          "no token: pass --token or set WARDEN_TOKEN (a token whose role has permission"
              + " audit:read)");
    }
    StringBuilder url = new StringBuilder(options.adminUrl.replaceAll("/+$", "")).append(path);
    char sep = '?';
    for (var e : query.entrySet()) {
      if (e.getValue() != null) {
        url.append(sep)
            .append(e.getKey())
            .append('=')
            .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        sep = '&';
      }
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url.toString()))
            .header("Authorization", "Bearer " + options.token.strip())
            .timeout(Duration.ofMinutes(10))
            .method(
                body == null ? "GET" : "POST",
                body == null ? HttpRequest.BodyPublishers.noBody() : body)
            .header("Content-Type", "application/json")
            .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new ApiException(
          "cannot reach the admin API at " + options.adminUrl + " (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException("interrupted");
    }
    if (response.statusCode() != 200) {
      String message;
      try (InputStream answer = response.body()) {
        message = JSON.readTree(answer).path("error").asText("HTTP " + response.statusCode());
      } catch (IOException e) {
        message = "HTTP " + response.statusCode();
      }
      throw new ApiException(options.adminUrl + path + ": " + message);
    }
    return response;
  }
}
