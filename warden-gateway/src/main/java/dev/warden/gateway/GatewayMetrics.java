package dev.warden.gateway;

import dev.warden.core.admission.AdmissionMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** The gateway's counters and gauges, registered once per gateway. */
public final class GatewayMetrics implements AdmissionMetrics {
  private final AtomicInteger activeClients = new AtomicInteger();
  private final Counter connectionsAccepted;
  private final Counter connectionsRefused;
  private final Counter startingRefused;
  private final Counter startingPerAddressRefused;
  private final Counter silentDropped;
  private final AtomicInteger startingConnections = new AtomicInteger();
  private final Counter authenticationFailures;
  private final Counter sessionsStarted;
  private final Counter statements;
  private final Counter protocolViolations;
  private final Counter policyReloads;
  private final Counter policyRejections;
  private final Counter rowLimitHits;
  private final Counter writeLimitRollbacks;
  private final Counter auditRefusals;
  private final AtomicInteger approvalsWaiting = new AtomicInteger();
  private final MeterRegistry registry;
  private final io.micrometer.core.instrument.Timer estimates;

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("warden.approvals.waiting", approvalsWaiting, AtomicInteger::get)
        .description("Held statements of this gateway's sessions waiting for a decision")
        .register(registry);
    estimates =
        io.micrometer.core.instrument.Timer.builder("warden.approvals.estimate")
            .description("How long the planner's row estimate of a held statement took")
            .register(registry);
    Gauge.builder("warden.client.connections.active", activeClients, AtomicInteger::get)
        .description("Client connections currently open")
        .register(registry);
    connectionsAccepted =
        Counter.builder("warden.client.connections").tag("outcome", "accepted").register(registry);
    connectionsRefused =
        Counter.builder("warden.client.connections").tag("outcome", "refused").register(registry);
    startingRefused =
        Counter.builder("warden.client.connections")
            .tag("outcome", "refused-starting")
            .description("connections closed at once: too many connections still starting")
            .register(registry);
    startingPerAddressRefused =
        Counter.builder("warden.client.connections")
            .tag("outcome", "refused-starting-per-address")
            .description("connections closed at once: too many starting from their address")
            .register(registry);
    silentDropped =
        Counter.builder("warden.client.connections")
            .tag("outcome", "dropped-silent")
            .description("connections that sent nothing within limits.firstByteTimeout")
            .register(registry);
    Gauge.builder("warden.client.connections.starting", startingConnections, AtomicInteger::get)
        .description("Connections accepted but not yet sessions (TLS, startup, authentication)")
        .register(registry);
    authenticationFailures = Counter.builder("warden.authentication.failures").register(registry);
    sessionsStarted = Counter.builder("warden.sessions.started").register(registry);
    statements = Counter.builder("warden.statements").register(registry);
    auditRefusals =
        Counter.builder("warden.audit.refused")
            .description("statements refused because their audit record was not made durable")
            .register(registry);
    protocolViolations = Counter.builder("warden.protocol.violations").register(registry);
    policyReloads =
        Counter.builder("warden.policy.reloads").tag("outcome", "loaded").register(registry);
    policyRejections =
        Counter.builder("warden.policy.reloads").tag("outcome", "rejected").register(registry);
    rowLimitHits =
        Counter.builder("warden.limits.exceeded")
            .tag("limit", "maxRowsReturned")
            .register(registry);
    writeLimitRollbacks =
        Counter.builder("warden.limits.exceeded")
            .tag("limit", "maxRowsAffected")
            .register(registry);
  }

  /** The counter of connections still starting (the server's {@code ConnectionGate} keeps it). */
  AtomicInteger startingConnections() {
    return startingConnections;
  }

  /** A new connection was closed at once: too many starting, overall or from its address. */
  void startingRefused(boolean perAddress) {
    (perAddress ? startingPerAddressRefused : startingRefused).increment();
  }

  /** Connections refused because too many were starting from one address, so far. */
  public double startingPerAddressRefusals() {
    return startingPerAddressRefused.count();
  }

  /** A new connection sent nothing in time and was dropped. */
  void silentDropped() {
    silentDropped.increment();
  }

  /** Counts a new client connection if under {@code limit}; false when the gateway is full. */
  public boolean tryOpenClient(int limit) {
    while (true) {
      int current = activeClients.get();
      if (current >= limit) {
        connectionsRefused.increment();
        return false;
      }
      if (activeClients.compareAndSet(current, current + 1)) {
        connectionsAccepted.increment();
        return true;
      }
    }
  }

  public void clientClosed() {
    activeClients.decrementAndGet();
  }

  public int activeClients() {
    return activeClients.get();
  }

  public void authenticationFailed() {
    authenticationFailures.increment();
  }

  public void sessionStarted() {
    sessionsStarted.increment();
  }

  @Override
  public void statement() {
    statements.increment();
  }

  public void protocolViolation() {
    protocolViolations.increment();
  }

  public void policyReload(boolean loaded) {
    (loaded ? policyReloads : policyRejections).increment();
  }

  public void rowLimitExceeded() {
    rowLimitHits.increment();
  }

  public void writeLimitExceeded() {
    writeLimitRollbacks.increment();
  }

  @Override
  public void auditUnavailable() {
    auditRefusals.increment();
  }

  /**
   * A held statement's approval came to {@code outcome}: {@code run} (approved, or claimed in ask
   * mode), {@code denied}, {@code expired}, {@code cancelled}, {@code asked} (ask mode: refused,
   * naming the request), or {@code refused} (no request could be opened).
   */
  @Override
  public void approval(String outcome) {
    registry.counter("warden.approvals", "outcome", outcome).increment();
  }

  /** A held statement starts (or stops) waiting in its session. */
  @Override
  public void approvalWaiting(boolean waiting) {
    approvalsWaiting.addAndGet(waiting ? 1 : -1);
  }

  /** Sessions whose statement waits for an approval now (a draining gateway tells them first). */
  public int approvalsWaiting() {
    return approvalsWaiting.get();
  }

  /** The planner's estimate took {@code nanos}. */
  @Override
  public void estimate(long nanos) {
    estimates.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }
}
