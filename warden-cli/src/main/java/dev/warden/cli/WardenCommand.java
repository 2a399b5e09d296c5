package dev.warden.cli;

import picocli.CommandLine.Command;

/** The top-level {@code warden} command. */
@Command(
    name = "warden",
    mixinStandardHelpOptions = true,
    version = "warden 0.1.0-SNAPSHOT",
    description = "Identity-aware database gateway.",
    subcommands = {
      GatewayCommand.class,
      AgentCommand.class,
      KeysCommand.class,
      PolicyCommand.class,
      AuditCommand.class,
      SessionsCommand.class,
      ApprovalsCommand.class,
      GrantsCommand.class
    })
public final class WardenCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
