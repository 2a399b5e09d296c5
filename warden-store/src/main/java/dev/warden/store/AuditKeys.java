package dev.warden.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The Ed25519 key that signs audit checkpoints: a private key file (PKCS#8, base64, readable by the
 * owner only) created on first use, and its public key beside it ({@code .pub}, X.509, base64) for
 * whoever verifies. The key id is the first 16 hex digits of the public key's SHA-256.
 */
public final class AuditKeys {
  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String keyId;

  private AuditKeys(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.keyId = keyId(publicKey);
  }

  /** Loads the key pair at {@code file} (and {@code file.pub}), creating both when missing. */
  public static AuditKeys loadOrCreate(Path file) throws IOException {
    try {
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      Path pub = publicFile(file);
      if (Files.exists(file)) {
        PrivateKey priv =
            factory.generatePrivate(new PKCS8EncodedKeySpec(decode(Files.readString(file))));
        PublicKey pubKey =
            factory.generatePublic(new X509EncodedKeySpec(decode(Files.readString(pub))));
        return new AuditKeys(priv, pubKey);
      }
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      Files.writeString(pub, Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return new AuditKeys(pair.getPrivate(), pair.getPublic());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the audit signing key " + file + ": " + e.getMessage(), e);
    }
  }

  /** The public key alone, for verifying (from {@code file.pub}, or a .pub file itself). */
  public static PublicKey publicKey(Path file) throws IOException {
    Path pub = file.toString().endsWith(".pub") ? file : publicFile(file);
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(decode(Files.readString(pub))));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the audit public key " + pub + ": " + e.getMessage(), e);
    }
  }

  private static Path publicFile(Path file) {
    return file.resolveSibling(file.getFileName() + ".pub");
  }

  private static byte[] decode(String text) {
    return Base64.getDecoder().decode(text.strip());
  }

  public String keyId() {
    return keyId;
  }

  public PublicKey publicKey() {
    return publicKey;
  }

  public static String keyId(PublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Signs the chain's head. */
  public Checkpoint sign(long seq, String hash, long atMillis) {
    Checkpoint unsigned = new Checkpoint(seq, hash, atMillis, keyId, "");
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(privateKey);
      signature.update(unsigned.signed());
      return new Checkpoint(
          seq, hash, atMillis, keyId, Base64.getEncoder().encodeToString(signature.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether a checkpoint was signed by one of {@code keys}. */
  public static boolean verify(Checkpoint checkpoint, List<PublicKey> keys) {
    for (PublicKey key : keys) {
      if (!keyId(key).equals(checkpoint.keyId())) {
        continue;
      }
      try {
        Signature signature = Signature.getInstance("Ed25519");
        signature.initVerify(key);
        signature.update(checkpoint.signed());
        return signature.verify(Base64.getDecoder().decode(checkpoint.signature()));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        return false;
      }
    }
    return false;
  }
}
