package dev.warden.core.audit;

/** Where audit events go. {@link #append} returns once the event is as durable as it gets. */
public interface AuditLog {
  void append(AuditEvent event);
}
