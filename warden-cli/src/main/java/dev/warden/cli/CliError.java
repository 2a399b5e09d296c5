package dev.warden.cli;

/**
 * A failure whose message says everything the user needs (what went wrong, what to do): the command
 * prints it as one line, without a stack trace.
 */
public final class CliError extends RuntimeException {
  public CliError(String message) {
    super(message);
  }
}
