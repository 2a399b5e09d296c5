package dev.warden.cli;

import picocli.CommandLine;

/** Entry point of the {@code warden} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new WardenCommand()).execute(args));
  }
}
