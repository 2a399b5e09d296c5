package dev.warden.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The key cache against a real HTTP server that serves a JWKS document, slowly when asked. */
class JwksCacheTest {

  @Test
  void aTokenCheckedWhileTheFirstFetchIsInFlightWaitsForItsKeys() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("k1").algorithm(JWSAlgorithm.RS256).generate();
    byte[] document = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    CountDownLatch requested = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/jwks",
        exchange -> {
          requested.countDown();
          try {
            answer.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, document.length);
          exchange.getResponseBody().write(document);
          exchange.close();
        });
    server.start();
    try {
      URI jwks = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
      OidcIssuer issuer =
          new OidcIssuer(
              "http://127.0.0.1/issuer",
              Set.of("warden"),
              jwks,
              Set.of(JWSAlgorithm.RS256),
              Duration.ZERO,
              "sub",
              "groups",
              Duration.ofMinutes(5),
              Duration.ofSeconds(30));
      JwksCache cache = new JwksCache(issuer, HttpClient.newHttpClient(), Clock.systemUTC());
      CompletableFuture<Void> first = CompletableFuture.runAsync(cache::refresh);
      assertThat(requested.await(10, TimeUnit.SECONDS)).isTrue();
      // The fetch is in flight: a token naming k1 arrives now. Before, it was refused at once
      // ("not one of the issuer's keys") because the fetch had already stamped its attempt.
      CompletableFuture<List<?>> checked =
          CompletableFuture.supplyAsync(() -> cache.candidates("k1", JWSAlgorithm.RS256));
      Thread.sleep(100);
      answer.countDown();
      assertThat(checked.get(10, TimeUnit.SECONDS)).hasSize(1);
      first.get(10, TimeUnit.SECONDS);
    } finally {
      answer.countDown();
      server.stop(0);
    }
  }
}
