package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The OpenID Connect authorization code flow with PKCE (RFC 7636, S256) against the organisation's
 * issuer, as a public client: where to send the browser, and the code exchanged for an ID token.
 * The ID token is then checked like any token (signature, issuer, audience, expiry) by the
 * gateway's authenticator; this class only fetches it.
 */
final class OidcCodeFlow {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String issuer;
  private final String clientId;
  private final SecureRandom random;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile JsonNode discovery;

  OidcCodeFlow(String issuer, String clientId, SecureRandom random) {
    this.issuer = issuer.replaceAll("/+$", "");
    this.clientId = clientId;
    this.random = random;
  }

  /** A fresh random value for state, nonce or the PKCE verifier (256 bits, base64url). */
  String randomToken() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String challenge(String verifier) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where the browser goes to sign in. */
  String authorizationUrl(String redirectUri, String state, String nonce, String verifier)
      throws IOException, InterruptedException {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", clientId);
    q.put("redirect_uri", redirectUri);
    q.put("scope", "openid profile");
    q.put("state", state);
    q.put("nonce", nonce);
    q.put("code_challenge", challenge(verifier));
    q.put("code_challenge_method", "S256");
    return endpoint("authorization_endpoint") + "?" + form(q);
  }

  /** The ID token for an authorization code (the verifier proves this is the flow that asked). */
  String idToken(String code, String redirectUri, String verifier)
      throws IOException, InterruptedException {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("grant_type", "authorization_code");
    f.put("code", code);
    f.put("redirect_uri", redirectUri);
    f.put("client_id", clientId);
    f.put("code_verifier", verifier);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(endpoint("token_endpoint")))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(f)))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("the issuer refused the code (HTTP " + response.statusCode() + ")");
    }
    JsonNode token = JSON.readTree(response.body()).path("id_token");
    if (!token.isTextual()) {
      throw new IOException("the issuer's answer has no id_token");
    }
    return token.asText();
  }

  /** A claim of a JWT whose signature the authenticator has checked (no check here). */
  static String claim(String jwt, String name) {
    String[] parts = jwt.split("\\.");
    if (parts.length < 2) {
      return null;
    }
    try {
      JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      JsonNode value = payload.path(name);
      return value.isTextual() ? value.asText() : null;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  private String endpoint(String name) throws IOException, InterruptedException {
    JsonNode d = discovery;
    if (d == null) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(issuer + "/.well-known/openid-configuration"))
              .timeout(Duration.ofSeconds(10))
              .build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IOException("the issuer's discovery document is unavailable");
      }
      d = JSON.readTree(response.body());
      discovery = d;
    }
    JsonNode value = d.path(name);
    if (!value.isTextual()) {
      throw new IOException("the issuer names no " + name);
    }
    return value.asText();
  }

  private static String form(Map<String, String> values) {
    StringJoiner out = new StringJoiner("&");
    values.forEach(
        (k, v) ->
            out.add(
                URLEncoder.encode(k, StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return out.toString();
  }
}
