package dev.warden.core.error;

/** The categories of failure a client can be told about; each protocol maps them to its codes. */
public enum ErrorCode {
  /** The credential is missing, malformed, unknown or wrong. */
  AUTHENTICATION_FAILED,
  /** A token was presented but is not acceptable: expired, wrong audience, untrusted issuer… */
  INVALID_TOKEN,
  /** The credential a session was opened with has expired; the session ends. */
  CREDENTIAL_EXPIRED,
  /** The connection cannot be authorised at all, e.g. plain text where TLS is required. */
  AUTHORIZATION_REFUSED,
  /** The requested connection (database name) is not registered. */
  UNKNOWN_CONNECTION,
  /** The identity may not use the requested connection, or a statement is denied. */
  ACCESS_DENIED,
  /** The client broke the wire protocol. */
  PROTOCOL_VIOLATION,
  /** The client asked for something Warden does not support on purpose or yet. */
  FEATURE_NOT_SUPPORTED,
  /** A connection parameter is not acceptable. */
  INVALID_PARAMETER,
  /** The gateway is at its configured connection limit. */
  TOO_MANY_CONNECTIONS,
  /** The database could not be reached or refused the gateway. */
  BACKEND_UNAVAILABLE,
  /** The client took too long to start up and authenticate. */
  STARTUP_TIMEOUT,
  /** The session was idle longer than allowed. */
  IDLE_TIMEOUT,
  /** The gateway is draining before it stops: no new session. */
  SHUTTING_DOWN,
  /** A policy limit (rows affected by a write) was exceeded; the statement was rolled back. */
  LIMIT_EXCEEDED,
  /**
   * The audit trail lost a record Warden had let a statement run with (the store failed or did not
   * answer in time): its result is withheld and the session ends.
   */
  AUDIT_UNAVAILABLE,
  /** A bug or an unexpected state inside Warden. */
  INTERNAL
}
