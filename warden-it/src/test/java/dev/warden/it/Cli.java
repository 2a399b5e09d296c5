package dev.warden.it;

import java.io.PrintWriter;
import java.io.StringWriter;

/** The {@code warden} command line, run in-process as a user types it. */
public final class Cli {
  private Cli() {}

  /** Runs {@code warden args…}: its exit code, standard output and standard error. */
  public static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cli = dev.warden.cli.Main.command();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }
}
