package dev.warden.protocol.postgres.message;

/** Subtype codes of the Authentication ('R') messages. */
final class Authentication {
  static final char TYPE = 'R';
  static final int OK = 0;
  static final int CLEARTEXT_PASSWORD = 3;
  static final int MD5_PASSWORD = 5;
  static final int SASL = 10;
  static final int SASL_CONTINUE = 11;
  static final int SASL_FINAL = 12;

  private Authentication() {}
}
