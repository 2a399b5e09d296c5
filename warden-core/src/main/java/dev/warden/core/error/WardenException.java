package dev.warden.core.error;

/**
 * A failure the client is told about: a category, a message a person (or an agent) can act on, and
 * an optional hint saying what to do next. Messages never carry secrets.
 */
public final class WardenException extends RuntimeException {
  private final ErrorCode code;
  private final String hint;

  public WardenException(ErrorCode code, String message) {
    this(code, message, null, null);
  }

  public WardenException(ErrorCode code, String message, String hint) {
    this(code, message, hint, null);
  }

  public WardenException(ErrorCode code, String message, String hint, Throwable cause) {
    super(message, cause, false, false);
    this.code = code;
    this.hint = hint;
  }

  public ErrorCode code() {
    return code;
  }

  /** What the client may do next, or null. */
  public String hint() {
    return hint;
  }
}
