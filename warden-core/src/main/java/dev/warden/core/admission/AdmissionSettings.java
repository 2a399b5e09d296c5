package dev.warden.core.admission;

import java.time.Duration;

/**
 * The kernel's configuration.
 *
 * @param auditTimeout how long a statement waits for its record to be durable before it is refused
 * @param keepAlive how often a client waiting for an approval is told it still waits
 */
public record AdmissionSettings(Duration auditTimeout, Duration keepAlive) {}
