package dev.warden.protocol.postgres.scram;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of one SCRAM-SHA-256 exchange with a PostgreSQL server, without channel binding
 * (gs2 header "n,,"). PostgreSQL takes the user name from the startup message, so the SCRAM user
 * name is empty, as libpq sends it. Use once: client-first, then client-final, then verify.
 */
public final class ScramSha256Client {
  public static final String MECHANISM = "SCRAM-SHA-256";
  private static final String GS2_HEADER = "n,,";
  private static final int MAX_ITERATIONS = 1_000_000;

  private final String user;
  private final char[] password;
  private final SaltedPasswordCache cache;
  private final String clientNonce;
  private String clientFirstBare;
  private byte[] expectedServerSignature;

  /** With a cache of salted passwords shared by every login with this password. */
  public ScramSha256Client(String password, SecureRandom random, SaltedPasswordCache cache) {
    this("", password, newNonce(random), cache);
  }

  /** With a given user name and nonce: for the RFC 7677 test vector. */
  ScramSha256Client(String user, String password, String clientNonce) {
    this(user, password, clientNonce, new SaltedPasswordCache());
  }

  ScramSha256Client(String user, String password, String clientNonce, SaltedPasswordCache cache) {
    this.user = user;
    this.password = password.toCharArray();
    this.clientNonce = clientNonce;
    this.cache = cache;
  }

  private static String newNonce(SecureRandom random) {
    byte[] nonce = new byte[18];
    random.nextBytes(nonce);
    return Base64.getEncoder().encodeToString(nonce);
  }

  /** The client-first message. */
  public String clientFirstMessage() {
    clientFirstBare = "n=" + user + ",r=" + clientNonce;
    return GS2_HEADER + clientFirstBare;
  }

  /** Takes the server-first message and returns the client-final message with the proof. */
  public String clientFinalMessage(String serverFirst) {
    Map<Character, String> attributes = parse(serverFirst);
    String nonce = required(attributes, 'r');
    String salt = required(attributes, 's');
    int iterations;
    try {
      iterations = Integer.parseInt(required(attributes, 'i'));
    } catch (NumberFormatException e) {
      throw new ScramException("server-first message has an invalid iteration count");
    }
    if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
      throw new ScramException("server nonce does not extend the client nonce");
    }
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new ScramException("server asks for " + iterations + " iterations, out of range");
    }
    String channelBinding =
        Base64.getEncoder().encodeToString(GS2_HEADER.getBytes(StandardCharsets.US_ASCII));
    String withoutProof = "c=" + channelBinding + ",r=" + nonce;
    String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
    try {
      byte[] saltBytes = Base64.getDecoder().decode(salt);
      byte[] saltedPassword = cache.get(salt, iterations, () -> hi(saltBytes, iterations));
      byte[] clientKey = hmac(saltedPassword, "Client Key");
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
      byte[] clientSignature = hmac(storedKey, authMessage);
      byte[] proof = new byte[clientKey.length];
      for (int i = 0; i < proof.length; i++) {
        proof[i] = (byte) (clientKey[i] ^ clientSignature[i]);
      }
      byte[] serverKey = hmac(saltedPassword, "Server Key");
      expectedServerSignature = hmac(serverKey, authMessage);
      return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    } catch (IllegalArgumentException e) {
      throw new ScramException("server-first message has an invalid salt");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 / HMAC-SHA-256 unavailable", e);
    }
  }

  /** Checks the server-final message: the server proves it knows the password too. */
  public void verifyServerFinal(String serverFinal) {
    Map<Character, String> attributes = parse(serverFinal);
    if (attributes.containsKey('e')) {
      throw new ScramException("server rejected the exchange: " + attributes.get('e'));
    }
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(required(attributes, 'v'));
    } catch (IllegalArgumentException e) {
      throw new ScramException("server-final message has an invalid signature encoding");
    }
    if (expectedServerSignature == null
        || !MessageDigest.isEqual(signature, expectedServerSignature)) {
      throw new ScramException(
          "server signature does not match: the server does not know the password");
    }
  }

  private byte[] hi(byte[] salt, int iterations) {
    try {
      SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
      return factory.generateSecret(new PBEKeySpec(password, salt, iterations, 256)).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
    }
  }

  private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<Character, String> parse(String message) {
    Map<Character, String> attributes = new HashMap<>();
    for (String part : message.split(",")) {
      if (part.length() >= 2 && part.charAt(1) == '=') {
        attributes.putIfAbsent(part.charAt(0), part.substring(2));
      }
    }
    return attributes;
  }

  private static String required(Map<Character, String> attributes, char name) {
    String value = attributes.get(name);
    if (value == null || value.isEmpty()) {
      throw new ScramException("SCRAM message lacks attribute '" + name + "'");
    }
    return value;
  }
}
