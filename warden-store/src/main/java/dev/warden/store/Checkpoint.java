package dev.warden.store;

/** A signed statement of the chain's head: record {@code seq} has hash {@code hash}. */
public record Checkpoint(long seq, String hash, long atMillis, String keyId, String signature) {
  /** The bytes the signature covers. */
  public byte[] signed() {
    return ("warden-audit-checkpoint\n" + seq + "\n" + hash + "\n" + atMillis)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
