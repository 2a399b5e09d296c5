package dev.warden.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warden.core.policy.PolicyParser;
import dev.warden.demo.EmbeddedMariaDb;
import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.it.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/compose checked without a container engine (no {@code docker compose config} here): the
 * file's structure against the Compose specification's rules that matter for it (known keys, every
 * service an image, references to services and volumes that exist, bind mounts of files that exist,
 * health checks in exec form), the gateway's configuration loaded by the gateway's own loader with
 * the environment the file gives it and the policy it mounts, every listener published, and both
 * seed scripts run against real servers (PostgreSQL; a MariaDB of the test's own).
 */
class ComposeFileIT {
  static final Path DIR = Path.of("../deploy/compose").toAbsolutePath().normalize();
  static final Set<String> TOP = Set.of("name", "services", "volumes", "networks", "secrets");
  static final Set<String> SERVICE =
      Set.of(
          "image",
          "environment",
          "volumes",
          "ports",
          "healthcheck",
          "depends_on",
          "network_mode",
          "read_only",
          "tmpfs",
          "stop_grace_period",
          "command",
          "user");

  @Test
  void theComposeFileHoldsTogether() throws Exception {
    JsonNode compose =
        new ObjectMapper(new YAMLFactory()).readTree(DIR.resolve("compose.yaml").toFile());
    compose.fieldNames().forEachRemaining(k -> assertThat(TOP).as("top-level key").contains(k));
    JsonNode services = compose.get("services");
    assertThat(services.fieldNames())
        .toIterable()
        .contains("warden", "store", "shop-postgres", "shop-mariadb", "idp");
    Set<String> volumes = new java.util.HashSet<>();
    compose.path("volumes").fieldNames().forEachRemaining(volumes::add);
    for (var it = services.fields(); it.hasNext(); ) {
      var entry = it.next();
      String name = entry.getKey();
      JsonNode service = entry.getValue();
      service
          .fieldNames()
          .forEachRemaining(k -> assertThat(SERVICE).as(name + ": key " + k).contains(k));
      assertThat(service.path("image").asText()).as(name + " has an image").isNotBlank();
      service
          .path("depends_on")
          .fieldNames()
          .forEachRemaining(
              d -> assertThat(services.has(d)).as(name + " depends on " + d).isTrue());
      String mode = service.path("network_mode").asText("");
      if (mode.startsWith("service:")) {
        assertThat(services.has(mode.substring(8))).as(name + ": " + mode).isTrue();
        assertThat(service.has("ports")).as(name + " shares a namespace: no ports").isFalse();
      }
      for (JsonNode volume : service.path("volumes")) {
        String source = volume.asText().split(":")[0];
        if (source.startsWith(".")) {
          assertThat(DIR.resolve(source).normalize()).as(name + " mounts " + source).exists();
        } else {
          assertThat(volumes).as(name + " uses volume " + source).contains(source);
        }
      }
      JsonNode test = service.path("healthcheck").path("test");
      if (!test.isMissingNode()) {
        assertThat(test.get(0).asText()).as(name + " health check").isIn("CMD", "CMD-SHELL");
      }
      for (JsonNode port : service.path("ports")) {
        assertThat(port.asText()).matches("(127\\.0\\.0\\.1:)?\\d+:\\d+");
      }
    }

    // The gateway: the image the build makes, its configuration as Compose hands it over.
    JsonNode warden = services.get("warden");
    String version =
        Files.readString(Path.of("../pom.xml"))
            .replaceAll(
                "(?s).*?<artifactId>warden-parent</artifactId>\\s*<version>([^<]+)<.*", "$1");
    assertThat(warden.get("image").asText()).isEqualTo("warden:" + version);
    Map<String, String> env = new HashMap<>();
    warden
        .path("environment")
        .fields()
        .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    Map<String, Path> mounts = new HashMap<>();
    for (JsonNode volume : warden.path("volumes")) {
      String[] parts = volume.asText().split(":");
      if (parts[0].startsWith(".")) {
        mounts.put(parts[1], DIR.resolve(parts[0]).normalize());
      }
    }
    WardenConfig config =
        new ConfigLoader(env::get)
            .parse(
                Files.readString(mounts.get("/etc/warden/warden.yaml")),
                true,
                Path.of("/etc/warden"));
    assertThat(config.policy().file()).isEqualTo(Path.of("/etc/warden/policy.json"));
    var policy = new PolicyParser().parse(Files.readString(mounts.get("/etc/warden/policy.json")));
    assertThat(policy).isNotNull();
    assertThat(config.connections()).containsKeys("shop", "shop_mysql");
    assertThat(config.connections().get("shop").host()).isEqualTo("shop-postgres");
    assertThat(config.connections().get("shop_mysql").host()).isEqualTo("shop-mariadb");
    assertThat(config.audit().url()).isEqualTo("jdbc:postgresql://store:5432/warden_audit");
    // Published where the gateway's namespace is: every listener of the gateway.
    List<String> published = new ArrayList<>();
    services.get("idp").path("ports").forEach(p -> published.add(p.asText()));
    for (int port :
        List.of(config.postgres().port(), config.mysql().port(), config.admin().port())) {
      assertThat(published).contains(port + ":" + port);
    }
  }

  @Test
  void theShopSeedsRunOnRealServers() throws Exception {
    // PostgreSQL: a fresh database on the machine's server.
    try (Connection admin =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS compose_shop_it WITH (FORCE)");
      s.execute("DROP ROLE IF EXISTS warden_gateway");
      s.execute("CREATE DATABASE compose_shop_it");
    }
    Processes.Result seeded =
        Processes.run(
            List.of(
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "compose_shop_it",
                "-f",
                DIR.resolve("shop-postgres.sql").toString()),
            Map.of(),
            Duration.ofMinutes(2));
    assertThat(seeded.exitCode()).as(seeded.toString()).isZero();
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:5432/compose_shop_it?user=postgres")) {
      assertShop(c);
    } finally {
      try (Connection admin =
              DriverManager.getConnection(
                  "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
          Statement s = admin.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS compose_shop_it WITH (FORCE)");
        s.execute("DROP ROLE IF EXISTS warden_gateway");
      }
    }

    // MariaDB: a server of the test's own (the seed creates databases public, billing, internal).
    Path dir = Files.createTempDirectory("warden-compose-it");
    try (EmbeddedMariaDb db =
        EmbeddedMariaDb.start(
            EmbeddedMariaDb.server().orElseThrow(() -> new AssertionError("mariadbd is needed")),
            dir.resolve("db"),
            0,
            List.of())) {
      Processes.Result mysql =
          Processes.run(
              List.of("mysql", "-h", "127.0.0.1", "-P", String.valueOf(db.port()), "-u", "root"),
              Map.of(),
              null,
              Duration.ofMinutes(2),
              // On standard input, as the image's entry point feeds it: the first error stops it.
              Files.readString(DIR.resolve("shop-mariadb.sql")));
      assertThat(mysql.exitCode()).as(mysql.toString()).isZero();
      Properties props = new Properties();
      props.setProperty("user", "warden_gateway");
      props.setProperty("password", "shop-gateway-password");
      try (Connection c =
          DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + db.port() + "/public", props)) {
        assertShop(c);
      }
    }
  }

  /** The shop's four tables hold the demo's row counts (read as the connection's user). */
  static void assertShop(Connection c) throws Exception {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders),"
                    + " (SELECT count(*) FROM billing.invoices),"
                    + " (SELECT count(*) FROM internal.api_keys)")) {
      rs.next();
      assertThat(List.of(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4)))
          .containsExactly(1000, 10000, 2000, 10);
    }
  }
}
