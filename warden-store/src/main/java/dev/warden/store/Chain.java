package dev.warden.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The hash chain: a record's hash is SHA-256 over its predecessor's hash and every field of the
 * record, each length-prefixed so no two different records encode alike. The first record's
 * predecessor is {@link #GENESIS}.
 */
public final class Chain {
  public static final String GENESIS = "0".repeat(64);

  private Chain() {}

  public static String hash(String prevHash, long seq, AuditRecord.Draft draft) {
    return hash(digest(), prevHash, seq, draft);
  }

  /** A SHA-256 digest to pass to {@link #hash(MessageDigest, String, long, AuditRecord.Draft)}. */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** As above, with a digest the caller keeps for a batch (reset here). */
  public static String hash(
      MessageDigest digest, String prevHash, long seq, AuditRecord.Draft draft) {
    digest.reset();
    field(digest, prevHash);
    field(digest, Long.toString(seq));
    field(digest, Long.toString(draft.atMillis()));
    field(digest, draft.kind());
    field(digest, draft.sessionId());
    field(digest, draft.identity());
    field(digest, draft.connection());
    field(digest, draft.payload());
    return HexFormat.of().formatHex(digest.digest());
  }

  private static void field(MessageDigest digest, String value) {
    if (value == null) {
      digest.update((byte) 0);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    digest.update((byte) 1);
    digest.update(
        new byte[] {
          (byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16),
          (byte) (bytes.length >>> 8), (byte) bytes.length
        });
    digest.update(bytes);
  }

  /** Whether a stored record's hash is the one its fields and predecessor give. */
  public static boolean intact(AuditRecord record) {
    return hash(record.prevHash(), record.seq(), record.draft()).equals(record.hash());
  }
}
