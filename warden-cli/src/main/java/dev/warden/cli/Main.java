package dev.warden.cli;

import dev.warden.gateway.PortInUseException;
import java.util.ServiceLoader;
import picocli.CommandLine;

/** Entry point of the {@code warden} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(command().execute(args));
  }

  /**
   * The command line, with failures the user can act on (a port in use, an earlier demo still
   * running) printed as one line and exit code 1; anything else with its stack trace. Subcommands
   * from outside this module ({@link Extension}: the demo) are added when on the class path.
   */
  public static CommandLine command() {
    CommandLine command = new CommandLine(new WardenCommand());
    for (Extension extension : ServiceLoader.load(Extension.class)) {
      command.addSubcommand(extension);
    }
    if (!command.getSubcommands().containsKey("demo")) {
      command.addSubcommand(new DemoMissing());
    }
    return command.setExecutionExceptionHandler(
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
