package dev.warden.protocol.postgres.scram;

/** A SCRAM exchange that cannot go on: a malformed server message or a failed verification. */
public final class ScramException extends RuntimeException {
  public ScramException(String message) {
    super(message);
  }
}
