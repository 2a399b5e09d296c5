package dev.warden.core.policy;

/** Limits on an allowed statement; 0 means no limit. */
public record Limits(long maxRowsReturned, long maxRowsAffected) {
  public static final Limits NONE = new Limits(0, 0);
}
