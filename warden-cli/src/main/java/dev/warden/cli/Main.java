package dev.warden.cli;

import dev.warden.gateway.PortInUseException;
import picocli.CommandLine;

/** Entry point of the {@code warden} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(command().execute(args));
  }

  /**
   * The command line, with failures the user can act on (a port in use, an earlier demo still
   * running) printed as one line and exit code 1; anything else with its stack trace.
   */
  static CommandLine command() {
    return new CommandLine(new WardenCommand())
        .setExecutionExceptionHandler(
            (e, commandLine, parseResult) -> {
              if (e instanceof CliError || e instanceof PortInUseException) {
                commandLine.getErr().println("warden: " + e.getMessage());
                commandLine.getErr().flush();
                return 1;
              }
              throw e;
            });
  }
}
