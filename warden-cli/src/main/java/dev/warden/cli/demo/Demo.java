package dev.warden.cli.demo;

import dev.warden.cli.wiring.Gateway;
import dev.warden.core.identity.ServiceKey;
import dev.warden.core.policy.PolicyParser;
import dev.warden.gateway.PortInUseException;
import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A running demo: the embedded PostgreSQL with the shop database, the gateway in front of it
 * enforcing the sample policy of DESIGN.md, identities {@code agent} and {@code dba}, and the env
 * file. The database demands SCRAM for the gateway's role; only the gateway holds that password.
 */
public final class Demo implements AutoCloseable {
  public static final String CONNECTION = "shop";
  public static final String OWNER = "shop_owner";

  /** Lifetime of the demo's agent and dba tokens. */
  public static final Duration TOKEN_LIFETIME = Duration.ofHours(24);

  /** Where and how to start. Port 0 picks a free port. */
  public record Options(Path dataDir, Path envFile, int pgPort, int adminPort) {}

  private final EmbeddedPostgres postgres;
  private final DemoIdentityProvider identityProvider;
  private final Gateway gateway;
  private final Map<String, String> environment;

  private Demo(
      EmbeddedPostgres postgres,
      DemoIdentityProvider identityProvider,
      Gateway gateway,
      Map<String, String> environment) {
    this.postgres = postgres;
    this.identityProvider = identityProvider;
    this.gateway = gateway;
    this.environment = environment;
  }

  public static Demo start(Options options) throws IOException, SQLException {
    SecureRandom random = new SecureRandom();
    Path dataDir = options.dataDir().toAbsolutePath();
    Files.createDirectories(dataDir);
    String ownerPassword = ServiceKey.generate(random).substring(ServiceKey.PREFIX.length());
    // Ports first: a port in use is said before anything starts.
    requireFree("listen.postgres", options.pgPort());
    requireFree("listen.admin", options.adminPort());
    LeftoverDatabase.clear(dataDir.resolve("postgres"));
    Path hba = dataDir.resolve("pg_hba.conf");
    Files.writeString(
        hba,
        """
        # The demo database: the gateway's role must prove its password (SCRAM); the
        # bootstrap superuser may connect locally without one, to seed and inspect.
        local all postgres trust
        host  all postgres 127.0.0.1/32 trust
        host  all all      127.0.0.1/32 scram-sha-256
        """);
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDir.resolve("postgres"))
            .setCleanDataDirectory(true)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("hba_file", hba.toString())
            .setServerConfig("password_encryption", "scram-sha-256")
            .start();
    DemoIdentityProvider idp = null;
    try {
      seed(postgres, ownerPassword);
      idp = DemoIdentityProvider.start(dataDir);
      Path policy = dataDir.resolve("policy.json");
      Files.writeString(policy, PolicyParser.sampleText());
      String yaml =
          """
          listen:
            postgres: {host: 127.0.0.1, port: %d}
            admin: {host: 127.0.0.1, port: %d}
          dataDir: %s
          policy: {file: "%s"}
          connections:
            shop:
              host: 127.0.0.1
              port: %d
              database: shop
              user: %s
              password: "%s"
          identities:
            oidc:
              issuers:
                - {issuer: "%s", audiences: [%s]}
            roles:
              - {role: agent, match: {groups: [code-assistant]}, connections: [shop]}
              - {role: dba, match: {groups: [dba]}, connections: [shop], permissions: ["sessions:read", "audit:read", "policy:read", "grants:manage"]}
          """
              .formatted(
                  options.pgPort(),
                  options.adminPort(),
                  dataDir.resolve("gateway"),
                  policy,
                  postgres.getPort(),
                  OWNER,
                  ownerPassword,
                  idp.issuer(),
                  DemoIdentityProvider.AUDIENCE);
      WardenConfig config = new ConfigLoader(System::getenv).parse(yaml, true, dataDir);
      Gateway gateway = Gateway.start(config);
      Map<String, String> env = new LinkedHashMap<>();
      env.put("WARDEN_DEMO_PGHOST", "127.0.0.1");
      env.put("WARDEN_DEMO_PGPORT", Integer.toString(gateway.postgresPort()));
      env.put("WARDEN_DEMO_DATABASE", CONNECTION);
      env.put(
          "WARDEN_DEMO_AGENT_TOKEN", idp.token("agent", List.of("code-assistant"), TOKEN_LIFETIME));
      env.put("WARDEN_DEMO_DBA_TOKEN", idp.token("dba", List.of("dba"), TOKEN_LIFETIME));
      env.put("WARDEN_DEMO_ADMIN_URL", "http://127.0.0.1:" + gateway.adminPort());
      env.put(
          "WARDEN_DEMO_DIRECT_URL",
          "postgresql://"
              + OWNER
              + ":"
              + ownerPassword
              + "@127.0.0.1:"
              + postgres.getPort()
              + "/shop");
      env.put("WARDEN_DEMO_CA_CERT", dataDir.resolve("gateway/tls/ca.crt").toString());
      env.put("WARDEN_DEMO_ISSUER", idp.issuer());
      env.put("WARDEN_DEMO_IDP_KEY", dataDir.resolve(DemoIdentityProvider.KEY_FILE).toString());
      writeEnvFile(options.envFile(), env);
      return new Demo(postgres, idp, gateway, env);
    } catch (IOException | SQLException | RuntimeException e) {
      if (idp != null) {
        idp.close();
      }
      postgres.close();
      throw e;
    }
  }

  private static void requireFree(String setting, int port) {
    if (port == 0) {
      return;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new java.net.InetSocketAddress("127.0.0.1", port));
    } catch (IOException e) {
      throw new PortInUseException(setting, "127.0.0.1", port, e);
    }
  }

  private static void seed(EmbeddedPostgres postgres, String ownerPassword)
      throws SQLException, IOException {
    try (Connection admin = postgres.getPostgresDatabase().getConnection();
        Statement s = admin.createStatement()) {
      s.execute("CREATE ROLE " + OWNER + " LOGIN PASSWORD '" + ownerPassword + "'");
      s.execute("CREATE DATABASE shop OWNER " + OWNER);
    }
    String url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/shop";
    try (Connection shop = DriverManager.getConnection(url, OWNER, ownerPassword)) {
      ShopData.load(shop);
    }
  }

  private static void writeEnvFile(Path file, Map<String, String> env) throws IOException {
    StringBuilder text =
        new StringBuilder(
            "# Written by `warden demo`; source it: . ./" + file.getFileName() + "\n");
    env.forEach((k, v) -> text.append(k).append("='").append(v).append("'\n"));
    Path absolute = file.toAbsolutePath();
    if (absolute.getParent() != null) {
      Files.createDirectories(absolute.getParent());
    }
    Files.writeString(absolute, text);
  }

  public Map<String, String> environment() {
    return environment;
  }

  public Gateway gateway() {
    return gateway;
  }

  @Override
  public void close() {
    try {
      gateway.close();
      identityProvider.close();
    } finally {
      try {
        postgres.close();
      } catch (IOException e) {
        System.err.println("warden demo: could not stop the embedded database: " + e.getMessage());
      }
    }
  }
}
