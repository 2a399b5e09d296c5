package dev.warden.cli;

import dev.warden.core.identity.ServiceKey;
import java.io.PrintWriter;
import java.security.SecureRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden keys}: service-key management. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Manage static service keys.",
    subcommands = KeysCommand.New.class)
public final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * {@code warden keys new}: prints a new key (give it to the client) and its hash (configure it).
   */
  @Command(
      name = "new",
      mixinStandardHelpOptions = true,
      description = "Print a new service key and the hash to configure.")
  public static final class New implements Runnable {
    @Option(
        names = "--subject",
        defaultValue = "my-agent",
        description = "Subject of the identity (for the snippet).")
    String subject;

    @Spec CommandSpec spec;

    @Override
    public void run() {
      SecureRandom random = new SecureRandom();
      String key = ServiceKey.generate(random);
      String hash = ServiceKey.hash(key, random);
      PrintWriter out = spec.commandLine().getOut();
      out.println("key:  " + key);
      out.println("hash: " + hash);
      out.println();
      out.println("Give the key to the client (it is its password); it is not stored anywhere.");
      out.println("Configure the hash:");
      out.println("identities:");
      out.println("  serviceKeys:");
      out.println("    - subject: " + subject);
      out.println("      groups: []");
      out.println("      keyHash: \"" + hash + "\"");
      out.println("      connections: [CONNECTION]");
      out.flush();
    }
  }
}
