package dev.warden.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code warden demo} where the demo's libraries are not installed (a container image, or a class
 * path without {@code lib/demo}): says where the demo is instead of an unknown command.
 */
@Command(
    name = "demo",
    description = "Run the demo (needs the demo's libraries: lib/demo in the release archive).")
final class DemoMissing implements Callable<Integer> {
  @Unmatched java.util.List<String> ignored;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine()
        .getErr()
        .println(
            "warden: the demo is not part of this installation: its embedded databases and"
                + " development identity provider live in lib/demo of the release archive"
                + " (warden-<version>.tar.gz) or in warden-demo/target of a source build, and"
                + " bin/warden adds them only for `warden demo`. The gateway itself does not"
                + " need them.");
    spec.commandLine().getErr().flush();
    return 2;
  }
}
