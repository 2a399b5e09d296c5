package dev.warden.protocol.mysql.message;

/** A packet that does not follow the protocol: malformed, truncated, or unexpected here. */
public final class ProtocolViolation extends RuntimeException {
  public ProtocolViolation(String message) {
    super(message);
  }
}
