package dev.warden.core.identity;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Static service keys for setups without an identity provider. A key is 256 random bits, so a
 * salted SHA-256 is as strong as a slow hash against guessing and keeps connection storms cheap;
 * only the hash ({@code sha256:SALT:HASH}) is ever stored.
 */
public final class ServiceKey {
  public static final String PREFIX = "wdn_";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private ServiceKey() {}

  /** A new random key. */
  public static String generate(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return PREFIX + B64.encodeToString(bytes);
  }

  /** The storable hash of a key, with a fresh random salt. */
  public static String hash(String key, SecureRandom random) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return "sha256:" + B64.encodeToString(salt) + ":" + B64.encodeToString(digest(salt, key));
  }

  /** Parses a stored hash, failing with a message that names what is wrong. */
  public static Hash parse(String stored) {
    String[] parts = stored.split(":", -1);
    if (parts.length != 3 || !parts[0].equals("sha256")) {
      throw new IllegalArgumentException("key hash must look like sha256:SALT:HASH");
    }
    try {
      byte[] salt = Base64.getUrlDecoder().decode(parts[1]);
      byte[] hash = Base64.getUrlDecoder().decode(parts[2]);
      if (salt.length < 8 || hash.length != 32) {
        throw new IllegalArgumentException("key hash has a short salt or a wrong hash length");
      }
      return new Hash(salt, hash);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key hash is not valid base64url: " + e.getMessage());
    }
  }

  static byte[] digest(byte[] salt, String key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(salt);
      return sha.digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /** A parsed stored hash. */
  public record Hash(byte[] salt, byte[] hash) {
    /** Constant-time check of a presented key. */
    public boolean matches(String key) {
      return MessageDigest.isEqual(hash, digest(salt, key));
    }
  }
}
