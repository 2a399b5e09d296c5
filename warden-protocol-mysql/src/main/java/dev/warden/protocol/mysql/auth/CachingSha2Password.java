package dev.warden.protocol.mysql.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;

/**
 * {@code caching_sha2_password}: the fast path's scramble XOR(SHA256(password),
 * SHA256(SHA256(SHA256(password)) + scramble)), and the full authentication's password: in clear
 * over TLS, or RSA-encrypted with the server's public key over a plain connection.
 */
public final class CachingSha2Password {
  public static final String PLUGIN = "caching_sha2_password";

  /** The client asks the server for its RSA public key. */
  public static final byte REQUEST_PUBLIC_KEY = 0x02;

  private CachingSha2Password() {}

  public static byte[] scramble(String password, byte[] seed) {
    if (password == null || password.isEmpty()) {
      return new byte[0];
    }
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      byte[] stage1 = sha256.digest(password.getBytes(StandardCharsets.UTF_8));
      byte[] stage2 = sha256.digest(stage1);
      sha256.update(stage2);
      sha256.update(seed, 0, Math.min(seed.length, 20));
      byte[] mix = sha256.digest();
      for (int i = 0; i < mix.length; i++) {
        mix[i] ^= stage1[i];
      }
      return mix;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The password with its terminating NUL, as sent in clear inside TLS. */
  public static byte[] clear(String password) {
    byte[] bytes = (password == null ? "" : password).getBytes(StandardCharsets.UTF_8);
    return java.util.Arrays.copyOf(bytes, bytes.length + 1);
  }

  /**
   * The password (with its NUL) XOR the scramble, encrypted with the server's PEM public key
   * (RSA-OAEP), as sent over a connection without TLS.
   */
  public static byte[] encrypt(String password, byte[] seed, String publicKeyPem)
      throws GeneralSecurityException {
    byte[] clear = clear(password);
    for (int i = 0; i < clear.length; i++) {
      clear[i] ^= seed[i % Math.min(seed.length, 20)];
    }
    String base64 =
        publicKeyPem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
    PublicKey key =
        KeyFactory.getInstance("RSA")
            .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
    cipher.init(Cipher.ENCRYPT_MODE, key);
    return cipher.doFinal(clear);
  }
}
