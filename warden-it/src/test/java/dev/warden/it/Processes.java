package dev.warden.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a real client program (psql, pgbench, node) with a bounded time, capturing its output. */
public final class Processes {
  /** How a program ended and what it printed. */
  public record Result(int exitCode, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  private Processes() {}

  public static Result run(
      List<String> command,
      Map<String, String> environment,
      File directory,
      Duration timeout,
      String stdin)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("warden-proc", ".out");
    Path err = Files.createTempFile("warden-proc", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    if (directory != null) {
      builder.directory(directory);
    }
    builder.environment().putAll(environment);
    Process process = builder.start();
    try (var in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(command.getFirst() + " did not finish within " + timeout);
    }
    Result result = new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    Files.deleteIfExists(out);
    Files.deleteIfExists(err);
    return result;
  }

  public static Result run(List<String> command, Map<String, String> environment, Duration timeout)
      throws IOException, InterruptedException {
    return run(command, environment, null, timeout, null);
  }
}
