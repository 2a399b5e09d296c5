package dev.warden.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.warden.core.approval.ApprovalStore;
import dev.warden.core.approval.Approvals;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The webhook retries a failing receiver with backoff, up to its attempts, and notes the end. */
class WebhookNotifierTest {
  @Test
  void aFailingReceiverIsRetriedUpToMaxAttempts() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    HttpServer receiver =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    receiver.createContext(
        "/hook",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          hits.incrementAndGet();
          exchange.sendResponseHeaders(500, -1);
          exchange.close();
        });
    receiver.start();
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    AuditLog audit = events::add;
    var timer = Executors.newSingleThreadScheduledExecutor();
    Approvals approvals =
        new Approvals(
            new ApprovalStore.InMemory(), audit, Clock.systemUTC(), timer, Duration.ofMinutes(1));
    WebhookNotifier notifier =
        new WebhookNotifier(
            URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"),
            "0123456789abcdef",
            3,
            Duration.ofMillis(50),
            approvals);
    approvals.onRequested(notifier::notify);
    approvals.request(
        new Approvals.Held(
            "agent",
            "iss",
            "s1",
            "test",
            "DELETE FROM t",
            List.of(),
            "WRITE",
            List.of("t"),
            "r",
            "why",
            Set.of("dba"),
            null,
            "binding",
            1,
            null));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (events.stream()
            .noneMatch(
                e ->
                    e instanceof AuditEvent.ApprovalChanged a
                        && a.step().equals("notification-failed"))
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(hits.get()).isEqualTo(3);
    assertThat(events)
        .anyMatch(
            e ->
                e instanceof AuditEvent.ApprovalChanged a
                    && a.step().equals("notification-failed"));
    assertThat(approvals.list(true, 10)).hasSize(1); // the request stays
    receiver.stop(0);
    timer.shutdownNow();
  }
}
