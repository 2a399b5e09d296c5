package dev.warden.store;

/**
 * One record of the audit trail, as stored: its place in the chain ({@code seq}, from 1), when,
 * what kind of event, whose session, the event itself as versioned JSON ({@code payload}), and the
 * chain: {@code hash} covers every other field and the predecessor's hash ({@code prevHash}).
 */
public record AuditRecord(
    long seq,
    long atMillis,
    String kind,
    String sessionId,
    String identity,
    String connection,
    String payload,
    String prevHash,
    String hash) {

  /** A record before it has a place in the chain. */
  public record Draft(
      long atMillis,
      String kind,
      String sessionId,
      String identity,
      String connection,
      String payload) {}

  public Draft draft() {
    return new Draft(atMillis, kind, sessionId, identity, connection, payload);
  }
}
