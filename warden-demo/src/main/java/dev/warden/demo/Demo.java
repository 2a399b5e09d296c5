package dev.warden.demo;

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

  /** The MySQL connection of the demo's MariaDB (when the machine has MariaDB installed). */
  public static final String MYSQL_CONNECTION = "shop_mysql";

  /**
   * Where and how to start. Port 0 picks a free port; {@code mysqlPort} -1: no MySQL door (and no
   * MariaDB); {@code mcpPort} -1: no MCP door.
   */
  public record Options(
      Path dataDir, Path envFile, int pgPort, int adminPort, int mysqlPort, int mcpPort) {
    public Options(Path dataDir, Path envFile, int pgPort, int adminPort) {
      this(dataDir, envFile, pgPort, adminPort, 0, 0);
    }
  }

  private final EmbeddedPostgres postgres;
  private final EmbeddedMariaDb mariadb;
  private final DemoIdentityProvider identityProvider;
  private final Gateway gateway;
  private final Map<String, String> environment;

  private Demo(
      EmbeddedPostgres postgres,
      EmbeddedMariaDb mariadb,
      DemoIdentityProvider identityProvider,
      Gateway gateway,
      Map<String, String> environment) {
    this.postgres = postgres;
    this.mariadb = mariadb;
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
    if (options.mcpPort() > 0) {
      requireFree("listen.mcp", options.mcpPort());
    }
    if (options.mysqlPort() > 0) {
      requireFree("listen.mysql", options.mysqlPort());
    }
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
    EmbeddedMariaDb mariadb = null;
    try {
      seed(postgres, ownerPassword);
      mariadb = options.mysqlPort() < 0 ? null : mariadb(dataDir, ownerPassword);
      idp = DemoIdentityProvider.start(dataDir);
      Path policy = dataDir.resolve("policy.json");
      Files.writeString(policy, PolicyParser.sampleText());
      String yaml =
          """
          listen:
            postgres: {host: 127.0.0.1, port: %d}
            admin: {host: 127.0.0.1, port: %d}
          %s
          dataDir: %s
          policy: {file: "%s"}
          connections:
            shop:
              host: 127.0.0.1
              port: %d
              database: shop
              user: %s
              password: "%s"
          %s
          console: {issuer: "%s", clientId: %s}
          identities:
            oidc:
              issuers:
                - {issuer: "%s", audiences: [%s]}
            roles:
              - {role: agent, match: {groups: [code-assistant]}, connections: [shop, shop_mysql]}
              - {role: dba, match: {groups: [dba]}, connections: [shop, shop_mysql], permissions: ["sessions:read", "audit:read", "policy:read", "grants:manage"]}
          """
              .formatted(
                  options.pgPort(),
                  options.adminPort(),
                  (mariadb == null
                          ? ""
                          : "  mysql: {host: 127.0.0.1, port: " + options.mysqlPort() + "}\n")
                      + (options.mcpPort() < 0
                          ? ""
                          : "  mcp: {host: 127.0.0.1, port: " + options.mcpPort() + "}"),
                  dataDir.resolve("gateway"),
                  policy,
                  postgres.getPort(),
                  OWNER,
                  ownerPassword,
                  mariadb == null
                      ? ""
                      : "  shop_mysql: {protocol: mysql, host: 127.0.0.1, port: %d, database: public, user: %s, password: \"%s\"}"
                          .formatted(mariadb.port(), OWNER, ownerPassword),
                  idp.issuer(),
                  DemoIdentityProvider.AUDIENCE,
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
      if (mariadb != null) {
        env.put("WARDEN_DEMO_MYSQL_PORT", Integer.toString(gateway.mysqlPort()));
        env.put("WARDEN_DEMO_MYSQL_DATABASE", MYSQL_CONNECTION);
        env.put(
            "WARDEN_DEMO_MYSQL_DIRECT_URL",
            "mysql://" + OWNER + ":" + ownerPassword + "@127.0.0.1:" + mariadb.port() + "/public");
      }
      if (options.mcpPort() >= 0) {
        // localhost: the name the development certificate carries, as MCP clients check it.
        env.put("WARDEN_DEMO_MCP_URL", "https://localhost:" + gateway.mcpPort() + "/mcp");
      }
      env.put("WARDEN_DEMO_CA_CERT", dataDir.resolve("gateway/tls/ca.crt").toString());
      env.put("WARDEN_DEMO_ISSUER", idp.issuer());
      env.put("WARDEN_DEMO_IDP_KEY", dataDir.resolve(DemoIdentityProvider.KEY_FILE).toString());
      writeEnvFile(options.envFile(), env);
      return new Demo(postgres, mariadb, idp, gateway, env);
    } catch (IOException | SQLException | RuntimeException e) {
      if (idp != null) {
        idp.close();
      }
      if (mariadb != null) {
        mariadb.close();
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

  /**
   * The demo's MariaDB with the same shop (databases public, billing, internal) and an owner whose
   * password only the gateway holds; null, with a note, when the machine has no MariaDB installed.
   */
  private static EmbeddedMariaDb mariadb(Path dataDir, String ownerPassword)
      throws IOException, SQLException {
    var server = EmbeddedMariaDb.server();
    if (server.isEmpty()) {
      System.err.println(
          "warden demo: no MariaDB server installed (mariadbd); the MySQL door is not started"
              + " (apt-get install mariadb-server, or set WARDEN_MARIADBD)");
      return null;
    }
    EmbeddedMariaDb db = EmbeddedMariaDb.start(server.get(), dataDir.resolve("mariadb"), 0);
    try (Connection root =
            DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + db.port() + "/", "root", "");
        Statement s = root.createStatement()) {
      ShopData.loadMysql(root);
      for (String host : new String[] {"127.0.0.1", "localhost"}) {
        s.execute(
            "CREATE USER '" + OWNER + "'@'" + host + "' IDENTIFIED BY '" + ownerPassword + "'");
        for (String database : new String[] {"public", "billing", "internal"}) {
          s.execute("GRANT ALL ON `" + database + "`.* TO '" + OWNER + "'@'" + host + "'");
        }
      }
    } catch (SQLException | RuntimeException e) {
      db.close();
      throw e;
    }
    return db;
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
        if (mariadb != null) {
          mariadb.close();
        }
        postgres.close();
      } catch (IOException e) {
        System.err.println("warden demo: could not stop the embedded database: " + e.getMessage());
      }
    }
  }
}
