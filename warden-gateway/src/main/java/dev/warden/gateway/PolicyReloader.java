package dev.warden.gateway;

import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.policy.PolicyException;
import dev.warden.core.policy.PolicyVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the policy file and loads it when its content changes. Polls the content (not the
 * modification time, not file-system events) so an editor's atomic rename, a Kubernetes ConfigMap's
 * symlink swap and a copy within the same second are all seen. An invalid or unreadable file is
 * rejected: the policy in force stays, and the error is logged and shown on the admin API.
 */
public final class PolicyReloader implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyReloader.class);

  private final PolicyVersions versions;
  private final Path file;
  private final ScheduledExecutorService timer;
  private final GatewayMetrics metrics;
  private final AuditLog audit;
  private String lastReadError;

  public PolicyReloader(
      PolicyVersions versions,
      Path file,
      Duration interval,
      GatewayMetrics metrics,
      AuditLog audit) {
    this.audit = audit;
    this.versions = versions;
    this.file = file;
    this.metrics = metrics;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("warden-policy-reload").daemon().factory());
    timer.scheduleWithFixedDelay(
        this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Loads the file if it changed since the version in force (or the last rejected text). */
  void check() {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException | RuntimeException e) {
      String error = "cannot read " + file + ": " + e;
      if (!error.equals(lastReadError)) {
        lastReadError = error;
        versions.reject(file.toString(), error);
        metrics.policyReload(false);
        LOG.error("policy {} kept in force: {}", versions.current().number(), error);
      }
      return;
    }
    lastReadError = null;
    if (versions.known(text)) {
      return;
    }
    int before = versions.current().number();
    try {
      PolicyVersions.Version version = versions.load(text, file.toString());
      metrics.policyReload(true);
      audit.append(
          new AuditEvent.PolicyChanged(
              version.loadedAt(), version.number(), version.sha256(), file.toString(), null));
      LOG.info(
          "policy reloaded from {}: version {} (sha256 {}) replaces version {}",
          file,
          version.number(),
          version.sha256(),
          before);
    } catch (PolicyException e) {
      metrics.policyReload(false);
      audit.append(
          new AuditEvent.PolicyChanged(
              Instant.now(), before, versions.current().sha256(), file.toString(), e.getMessage()));
      LOG.error(
          "policy file {} rejected, version {} stays in force: {}", file, before, e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
