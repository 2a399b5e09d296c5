package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.warden.core.audit.Slf4jAuditLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The approvers' webhook: a receiver on loopback gets a signed JSON payload (Slack-compatible
 * {@code text}) for each request and checks the signature; a receiver that keeps failing is retried
 * with backoff and the request is not lost — it stays listed and can be approved.
 */
class ApprovalWebhookIT {
  static final String SECRET = "webhook-secret-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();
  static GatewayFixture fixture;
  static HttpServer receiver;
  static IdentityProvider idp;
  static String agentToken;
  static String approverKey;
  static final List<String> received = new CopyOnWriteArrayList<>();
  static final List<Boolean> signaturesValid = new CopyOnWriteArrayList<>();
  static final AtomicInteger failuresLeft = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    receiver.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          String timestamp = exchange.getRequestHeaders().getFirst("X-Warden-Timestamp");
          String signature = exchange.getRequestHeaders().getFirst("X-Warden-Signature");
          received.add(body);
          signaturesValid.add(("sha256=" + hmac(timestamp + "." + body)).equals(signature));
          int status = failuresLeft.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0 ? 500 : 200;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    receiver.start();
    idp = IdentityProvider.start(IdentityProvider.ISSUER_ID);
    approverKey = idp.token("dana", List.of("dba"));
    agentToken = idp.token("agent", List.of("code-assistant"));
    Path policy = Files.createTempFile("warden-webhook", ".json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{
          "id": "agent", "roles": ["agent"], "connections": ["test"],
          "allow": [{"id": "agent.session", "classes": ["SESSION", "TRANSACTION", "READ"]}],
          "hold": [{"id": "agent.hold-delete", "verbs": ["DELETE"], "approvers": ["dba"], "timeout": "60s"}]
        }]}
        """);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \""
                + policy
                + "\"}\napprovals:\n  webhook: {url: \"http://127.0.0.1:"
                + receiver.getAddress().getPort()
                + "/hook\", secret: \""
                + SECRET
                + "\", maxAttempts: 3}\n",
            "  oidc:\n    issuers:\n"
                + idp.issuerYaml(IdentityProvider.ISSUER_ID)
                + "  roles:\n"
                + "    - {role: agent, match: {subject: agent}, connections: [test]}\n",
            new Slf4jAuditLog());
    BadInputIT.waitFor(() -> fixture.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.webhook_it");
      s.execute("CREATE TABLE public.webhook_it (id int)");
      s.execute("INSERT INTO public.webhook_it SELECT generate_series(1, 5)");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    receiver.stop(0);
    idp.close();
  }

  static String hmac(String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode pending(String marker) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> list =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + fixture.adminPort() + "/api/approvals"))
                      .header("Authorization", "Bearer " + approverKey)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      for (JsonNode r : JSON.readTree(list.body()).path("approvals")) {
        if (r.path("sql").asText().contains(marker)) {
          return r;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no pending request for " + marker);
  }

  static void approve(String id) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + fixture.adminPort()
                                + "/api/approvals/"
                                + id
                                + "/approve"))
                    .header("Authorization", "Bearer " + approverKey)
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  static void awaitReceived(int n, Duration within) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (received.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  static CompletableFuture<Integer> delete(Connection c, String marker) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Statement s = c.createStatement()) {
            return s.executeUpdate(
                "DELETE FROM public.webhook_it WHERE id = 1 /* " + marker + " */");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Test
  void theReceiverGetsASignedPayloadAndAFailingReceiverLosesNothing() throws Exception {
    received.clear();
    signaturesValid.clear();
    try (Connection c = fixture.connectIn("simple", agentToken)) {
      CompletableFuture<Integer> first = delete(c, "signed");
      JsonNode request = pending("signed");
      awaitReceived(1, Duration.ofSeconds(10));
      assertThat(received).hasSize(1);
      assertThat(signaturesValid).containsExactly(true);
      JsonNode payload = JSON.readTree(received.getFirst());
      assertThat(payload.path("text").asText())
          .contains(request.path("id").asText())
          .contains("agent")
          .contains("DELETE FROM public.webhook_it");
      assertThat(payload.path("request").path("rule").asText()).isEqualTo("agent.hold-delete");
      assertThat(payload.path("request").path("estimatedRows").isNumber())
          .as("the planner's row estimate goes to the approvers")
          .isTrue();
      assertThat(payload.path("text").asText()).contains("the planner expects ~");
      // A forged payload does not verify against the header: the receiver can tell.
      assertThat(hmac("0." + received.getFirst())).isNotEqualTo(hmac("1." + received.getFirst()));
      approve(request.path("id").asText());
      assertThat(first.get(20, TimeUnit.SECONDS)).isEqualTo(1);
    }
    // Now the receiver fails every time: three attempts with backoff, then the request is still
    // there to be decided.
    received.clear();
    failuresLeft.set(1000);
    try (Connection c = fixture.connectIn("extended", agentToken)) {
      CompletableFuture<Integer> second = delete(c, "unheard");
      JsonNode request = pending("unheard");
      awaitReceived(1, Duration.ofSeconds(10));
      assertThat(received).isNotEmpty();
      // (The retries themselves, with backoff and a bound, are WebhookNotifierTest's.)
      Thread.sleep(1500);
      assertThat(pending("unheard").path("state").asText()).isEqualTo("pending");
      approve(request.path("id").asText());
      assertThat(second.get(20, TimeUnit.SECONDS)).isZero(); // row 1 is already gone
    } finally {
      failuresLeft.set(0);
    }
  }
}
