package dev.warden.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code bin/warden} as a user runs it: help, keys, a bad config, and the demo until SIGTERM. */
class LauncherIT {
  static final File LAUNCHER = new File("../bin/warden").getAbsoluteFile();

  record Run(int exit, String out) {}

  static Run run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(LAUNCHER.getPath()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void helpListsTheSubcommands() throws Exception {
    Run help = run("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("gateway").contains("demo").contains("keys");
  }

  @Test
  void keysNewPrintsAKeyAndItsHash() throws Exception {
    Run keys = run("keys", "new", "--subject", "ci-job");
    assertThat(keys.exit()).isZero();
    assertThat(keys.out())
        .containsPattern("key:  wdn_[A-Za-z0-9_-]{43}")
        .containsPattern("hash: sha256:")
        .contains("subject: ci-job");
  }

  @Test
  void aBadConfigurationNamesTheKeyAndExitsWithTwo() throws Exception {
    Path config = Files.createTempFile("warden", ".yaml");
    Files.writeString(config, "listen:\n  postgres: {port: 99999}\n");
    Run gateway = run("gateway", "--config", config.toString());
    assertThat(gateway.exit()).isEqualTo(2);
    assertThat(gateway.out()).contains("'listen.postgres.port' must be between 0 and 65535");
  }

  @Test
  void demoStartsServesAndStopsOnSigterm() throws Exception {
    Path dir = Files.createTempDirectory("warden-launcher-demo");
    ProcessBuilder launch =
        new ProcessBuilder(
                LAUNCHER.getPath(),
                "demo",
                "--pg-port",
                "0",
                "--admin-port",
                "0",
                "--env-file",
                dir.resolve("demo.env").toString(),
                "--data-dir",
                dir.resolve("data").toString())
            .redirectError(dir.resolve("stderr.log").toFile());
    launch.environment().put("WARDEN_LOG_FORMAT", "json");
    Process demo = launch.start();
    try {
      StringBuilder out = new StringBuilder();
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(demo.getInputStream()))) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
          out.append(line).append('\n');
          if (line.contains("Stop with Ctrl-C")) {
            break;
          }
        }
        assertThat(out.toString()).contains("Warden demo is ready");
        for (String command : guideCommands(out.toString())) {
          Process shell =
              new ProcessBuilder("bash", "-c", "set -e; " + command)
                  .directory(LAUNCHER.getParentFile().getParentFile())
                  .redirectErrorStream(true)
                  .start();
          String result = new String(shell.getInputStream().readAllBytes());
          assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(shell.exitValue()).as("guide line %s printed:%n%s", command, result).isZero();
          if (command.contains("echo \"jdbc:")) {
            String url = result.strip();
            try (var c = java.sql.DriverManager.getConnection(url);
                var rs = c.createStatement().executeQuery("SELECT count(*) FROM orders")) {
              rs.next();
              assertThat(rs.getInt(1)).isEqualTo(10_000);
            }
          }
        }
        String port =
            Files.readAllLines(dir.resolve("demo.env")).stream()
                .filter(l -> l.startsWith("WARDEN_DEMO_PGPORT="))
                .map(l -> l.substring(l.indexOf('\'') + 1, l.length() - 1))
                .findFirst()
                .orElseThrow();
        String token =
            Files.readAllLines(dir.resolve("demo.env")).stream()
                .filter(l -> l.startsWith("WARDEN_DEMO_AGENT_TOKEN="))
                .map(l -> l.substring(l.indexOf('\'') + 1, l.length() - 1))
                .findFirst()
                .orElseThrow();
        ProcessBuilder psql =
            new ProcessBuilder(
                    "psql",
                    "-X",
                    "-At",
                    "host=127.0.0.1 port=" + port + " dbname=shop user=agent sslmode=require",
                    "-c",
                    "SELECT count(*) FROM customers")
                .redirectErrorStream(true);
        psql.environment().put("PGPASSWORD", token);
        Process q = psql.start();
        String result = new String(q.getInputStream().readAllBytes()).strip();
        assertThat(q.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(result).isEqualTo("1000");

        demo.destroy(); // SIGTERM
        assertThat(demo.waitFor(30, TimeUnit.SECONDS)).as("demo stops on SIGTERM").isTrue();
        assertThat(portIsClosed(Integer.parseInt(port))).isTrue();
        String log = Files.readString(dir.resolve("stderr.log"));
        assertThat(log).doesNotContain("Exception").doesNotContain(token);
        // WARDEN_LOG_FORMAT=json: one JSON object per line, with the message formatted.
        List<String> lines = log.lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).isNotEmpty();
        com.fasterxml.jackson.databind.ObjectMapper json =
            new com.fasterxml.jackson.databind.ObjectMapper();
        for (String entry : lines) {
          assertThat(json.readTree(entry).path("formattedMessage").asText()).isNotBlank();
        }
        assertThat(log).contains("session started");
      }
    } finally {
      demo.destroyForcibly();
    }
  }

  /**
   * kill -9 of a demo orphans its embedded PostgreSQL, which keeps the data directory: the next
   * demo stops it, says so, and starts.
   */
  @Test
  void aDemoKilledOutrightLeavesNothingTheNextOneTripsOver() throws Exception {
    Path dir = Files.createTempDirectory("warden-launcher-kill9");
    Process first = startDemo(dir, "first.log");
    long orphan;
    try {
      orphan =
          Long.parseLong(
              Files.readAllLines(dir.resolve("data/postgres/postmaster.pid")).getFirst().strip());
    } finally {
      first.destroyForcibly(); // SIGKILL: no shutdown hook runs
      first.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false))
        .as("the embedded database outlives a killed demo")
        .isTrue();
    Process second = startDemo(dir, "second.log");
    try {
      assertThat(Files.readString(dir.resolve("second.log")))
          .contains("stopping the database an earlier demo left running (pid " + orphan + ")")
          .doesNotContain("Exception");
      assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    } finally {
      second.destroy();
      assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aPortInUseIsOneClearLine() throws Exception {
    Path dir = Files.createTempDirectory("warden-launcher-port");
    try (java.net.ServerSocket busy =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run demo =
          run(
              "demo",
              "--pg-port",
              Integer.toString(busy.getLocalPort()),
              "--admin-port",
              "0",
              "--data-dir",
              dir.resolve("data").toString(),
              "--env-file",
              dir.resolve("demo.env").toString());
      assertThat(demo.exit()).isEqualTo(1);
      assertThat(demo.out().strip())
          .isEqualTo(
              "warden: port "
                  + busy.getLocalPort()
                  + " is already in use (the demo's PostgreSQL listener); pick another with"
                  + " --pg-port (0 picks a free one)");
    }
  }

  /** Starts {@code bin/warden demo} on free ports in {@code dir}; returns once it is ready. */
  static Process startDemo(Path dir, String stderr) throws Exception {
    Process demo =
        new ProcessBuilder(
                LAUNCHER.getPath(),
                "demo",
                "--pg-port",
                "0",
                "--admin-port",
                "0",
                "--env-file",
                dir.resolve("demo.env").toString(),
                "--data-dir",
                dir.resolve("data").toString())
            .redirectError(dir.resolve(stderr).toFile())
            .start();
    BufferedReader reader = new BufferedReader(new InputStreamReader(demo.getInputStream()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = reader.readLine()) != null) {
      if (line.contains("Stop with Ctrl-C")) {
        return demo;
      }
    }
    demo.destroyForcibly();
    throw new AssertionError("the demo did not start: " + Files.readString(dir.resolve(stderr)));
  }

  /** The guide's shell lines, continuations joined, each prefixed with the env file's sourcing. */
  static List<String> guideCommands(String guide) {
    List<String> lines = new ArrayList<>();
    String source = null;
    boolean inGuide = false;
    StringBuilder current = new StringBuilder();
    for (String raw : guide.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("Try this")) {
        inGuide = true;
        continue;
      }
      if (!inGuide) {
        continue;
      }
      if (line.isEmpty()) {
        break;
      }
      if (line.startsWith(". ")) {
        source = line;
        continue;
      }
      current.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line);
      if (!line.endsWith("\\")) {
        lines.add(source + "; " + current);
        current.setLength(0);
      }
    }
    assertThat(source).as("the guide says how to source the env file").isNotNull();
    assertThat(lines).hasSizeGreaterThanOrEqualTo(4);
    return lines;
  }

  static boolean portIsClosed(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    }
  }
}
