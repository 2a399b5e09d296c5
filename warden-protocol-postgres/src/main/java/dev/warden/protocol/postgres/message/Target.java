package dev.warden.protocol.postgres.message;

/** What a Describe or Close names: a prepared statement ('S') or a portal ('P'). */
public enum Target {
  STATEMENT('S'),
  PORTAL('P');

  private final char code;

  Target(char code) {
    this.code = code;
  }

  public char code() {
    return code;
  }

  static Target of(byte code) {
    return switch (code) {
      case 'S' -> STATEMENT;
      case 'P' -> PORTAL;
      default -> throw new ProtocolViolation("unknown Describe/Close target " + code);
    };
  }
}
