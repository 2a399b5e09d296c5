package dev.warden.protocol.postgres.scram;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** PostgreSQL's MD5 password response: "md5" + md5(md5(password + user) + salt). */
public final class Md5Password {
  private Md5Password() {}

  public static String response(String user, String password, int salt) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      String inner =
          HexFormat.of().formatHex(md5.digest((password + user).getBytes(StandardCharsets.UTF_8)));
      md5.reset();
      md5.update(inner.getBytes(StandardCharsets.US_ASCII));
      md5.update(
          new byte[] {
            (byte) (salt >>> 24), (byte) (salt >>> 16), (byte) (salt >>> 8), (byte) salt
          });
      return "md5" + HexFormat.of().formatHex(md5.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 unavailable", e);
    }
  }
}
