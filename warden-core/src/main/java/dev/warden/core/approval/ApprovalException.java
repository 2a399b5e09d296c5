package dev.warden.core.approval;

/** A decision on a request that cannot be taken: why, and the HTTP status that says so. */
public final class ApprovalException extends Exception {
  private final int status;

  public ApprovalException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
