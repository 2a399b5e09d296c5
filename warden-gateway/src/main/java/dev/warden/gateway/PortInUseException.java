package dev.warden.gateway;

/**
 * A listener could not bind its address because something else holds it. The message names the
 * setting and the address, so a command can say it in one line.
 */
public final class PortInUseException extends IllegalStateException {
  private final String setting;
  private final int port;

  public PortInUseException(String setting, String host, int port, Throwable cause) {
    super(setting + ": " + host + ":" + port + " is already in use", cause);
    this.setting = setting;
    this.port = port;
  }

  /** The configuration key of the listener ({@code listen.postgres}, {@code listen.admin}). */
  public String setting() {
    return setting;
  }

  public int port() {
    return port;
  }
}
