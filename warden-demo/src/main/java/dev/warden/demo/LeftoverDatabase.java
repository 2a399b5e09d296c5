package dev.warden.demo;

import dev.warden.cli.CliError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The embedded database an earlier demo left behind: a demo killed outright (kill -9, a closed
 * terminal) cannot stop the PostgreSQL it started, which then keeps its data directory. The next
 * demo stops it (it is the demo's own, and the demo starts afresh anyway) and removes the
 * directory; when it cannot, it says in one line what to do.
 */
final class LeftoverDatabase {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private LeftoverDatabase() {}

  /** Stops the postmaster of {@code dataDirectory}, if one runs, and removes the directory. */
  static void clear(Path dataDirectory) {
    clear(dataDirectory, "postmaster.pid", "postgres");
  }

  /** The same for the demo's MariaDB server. */
  static void clearMariaDb(Path dataDirectory) {
    clear(dataDirectory, "mariadb.pid", "mysqld");
  }

  private static void clear(Path dataDirectory, String pidFile, String program) {
    if (!Files.exists(dataDirectory)) {
      return;
    }
    Optional<ProcessHandle> postmaster = postmaster(dataDirectory.resolve(pidFile), program);
    if (postmaster.isPresent()) {
      ProcessHandle process = postmaster.get();
      System.err.println(
          "warden demo: stopping the database an earlier demo left running (pid "
              + process.pid()
              + ")");
      // SIGTERM: a smart shutdown; its clients (the dead gateway's connections) are gone.
      process.destroy();
      if (!waitForExit(process, STOP_TIMEOUT)) {
        process.destroyForcibly();
        if (!waitForExit(process, STOP_TIMEOUT)) {
          throw new CliError(
              "the database an earlier demo left running (pid "
                  + process.pid()
                  + ") does not stop; stop it with `kill -9 "
                  + process.pid()
                  + "`, or pass --data-dir with another directory");
        }
      }
    }
    try (Stream<Path> files = Files.walk(dataDirectory)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new CliError(
          "cannot remove "
              + dataDirectory
              + ", left by an earlier demo ("
              + e.getMessage()
              + "); remove it, or pass --data-dir with another directory");
    }
  }

  /**
   * The process named in a postmaster.pid, when it is alive and a postgres process (a stale pid
   * file may name a process that has nothing to do with it).
   */
  private static Optional<ProcessHandle> postmaster(Path pidFile, String program) {
    try {
      List<String> lines = Files.readAllLines(pidFile);
      if (lines.isEmpty()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.getFirst().strip());
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(
              p ->
                  p.info()
                      .command()
                      .map(
                          c ->
                              c.contains(program)
                                  || (program.equals("mysqld") && c.contains("mariadbd")))
                      .orElse(false));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean waitForExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    } catch (java.util.concurrent.ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }
}
