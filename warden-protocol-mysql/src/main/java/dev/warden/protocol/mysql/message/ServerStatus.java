package dev.warden.protocol.mysql.message;

/** The server status flags carried by OK and EOF packets. */
public final class ServerStatus {
  public static final int IN_TRANSACTION = 1;
  public static final int AUTOCOMMIT = 1 << 1;
  public static final int MORE_RESULTS_EXISTS = 1 << 3;
  public static final int CURSOR_EXISTS = 1 << 6;
  public static final int LAST_ROW_SENT = 1 << 7;
  public static final int PS_OUT_PARAMS = 1 << 12;

  private ServerStatus() {}
}
