package dev.warden.core.policy;

/** A policy that cannot be used; the message names the JSON path of the problem. */
public final class PolicyException extends RuntimeException {
  public PolicyException(String message) {
    super(message);
  }
}
