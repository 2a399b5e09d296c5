package dev.warden.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.approval.Approvals;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells approvers about a new request: a POST of JSON (a Slack-compatible {@code text} and the
 * request) to the configured URL, signed — {@code X-Warden-Signature: sha256=HEX}, the HMAC-SHA-256
 * of {@code TIMESTAMP + "." + body} with the shared secret, and {@code X-Warden-Timestamp} — and
 * retried with exponential backoff (1 s, 2 s, 4 s, …) until a 2xx or {@code maxAttempts}. A failed
 * notification never loses the request: it stays listed, and the failure is in the audit trail.
 */
public final class WebhookNotifier {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final byte[] secret;
  private final int maxAttempts;
  private final Duration firstBackoff;
  private final Approvals approvals;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public WebhookNotifier(
      URI url, String secret, int maxAttempts, Duration firstBackoff, Approvals approvals) {
    this.url = url;
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.maxAttempts = maxAttempts;
    this.firstBackoff = firstBackoff;
    this.approvals = approvals;
  }

  /** Sends (asynchronously) the notification of a new request. */
  public void notify(ApprovalRequest request) {
    ObjectNode body = JSON.createObjectNode();
    body.put(
        "text",
        "Warden: "
            + request.requester()
            + " wants to run on "
            + request.connection()
            + ": `"
            + oneLine(request.sql())
            + "` (rule "
            + request.rule()
            + (request.estimate() != null && request.estimate().rows() != null
                ? "; the planner expects ~" + request.estimate().rows() + " rows"
                : "")
            + "). Approve: warden approvals approve "
            + request.id()
            + " — expires "
            + request.expiresAt());
    ObjectNode r = body.putObject("request");
    r.put("id", request.id());
    r.put("requester", request.requester());
    r.put("connection", request.connection());
    r.put("session", request.sessionId());
    r.put("sql", request.sql());
    r.put("class", request.statementClass());
    r.put("rule", request.rule());
    r.put("reason", request.reason());
    if (request.estimate() != null && request.estimate().rows() != null) {
      r.put("estimatedRows", request.estimate().rows());
      r.put("plan", request.estimate().plan());
    }
    var approvers = r.putArray("approvers");
    request.approvers().stream().sorted().forEach(approvers::add);
    r.put("created", request.createdAt().toString());
    r.put("expires", request.expiresAt().toString());
    attempt(request, body.toString(), 1);
  }

  private void attempt(ApprovalRequest request, String body, int attempt) {
    String timestamp = String.valueOf(System.currentTimeMillis() / 1000);
    HttpRequest post =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .header("X-Warden-Timestamp", timestamp)
            .header("X-Warden-Signature", "sha256=" + sign(timestamp + "." + body))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    http.sendAsync(post, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, failure) -> {
              if (failure == null && response.statusCode() / 100 == 2) {
                approvals.note(request, "notified", url.getHost() + " (attempt " + attempt + ")");
                return;
              }
              String why = failure != null ? failure.toString() : "HTTP " + response.statusCode();
              if (attempt >= maxAttempts) {
                LOG.warn(
                    "approval request {}: webhook failed {} times ({}); the request stays listed",
                    request.id(),
                    attempt,
                    why);
                approvals.note(
                    request, "notification-failed", why + " after " + attempt + " attempts");
                return;
              }
              long delay = firstBackoff.toMillis() << (attempt - 1);
              // The backoff sleeps on a virtual thread of its own. (On the approvals scheduler the
              // retry was not run in ApprovalWebhookIT, though that scheduler's expiries are;
              // not understood yet — see the closing notes.)
              Thread.ofVirtual()
                  .name("warden-webhook-retry")
                  .start(
                      () -> {
                        try {
                          Thread.sleep(delay);
                        } catch (InterruptedException e) {
                          return;
                        }
                        attempt(request, body, attempt + 1);
                      });
            });
  }

  /** The signature a receiver recomputes: hex HMAC-SHA-256 of {@code timestamp + "." + body}. */
  String sign(String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String oneLine(String sql) {
    String s = sql == null ? "" : sql.replaceAll("\\s+", " ").strip();
    return s.length() > 200 ? s.substring(0, 199) + "…" : s;
  }
}
