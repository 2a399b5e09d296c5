package dev.warden.it;

import dev.warden.cli.wiring.Gateway;
import dev.warden.cli.wiring.Identities;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.audit.Slf4jAuditLog;
import dev.warden.core.identity.ServiceKey;
import dev.warden.core.session.StatementPipeline;
import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.Properties;

/**
 * A real gateway in front of the machine's PostgreSQL (127.0.0.1:5432, database {@code test}), with
 * one service key for identity {@code agent}. Loopback only; closes with the test.
 */
final class GatewayFixture implements AutoCloseable {
  static final String PG_HOST = System.getenv().getOrDefault("WARDEN_TEST_PGHOST", "127.0.0.1");
  static final int PG_PORT =
      Integer.parseInt(System.getenv().getOrDefault("WARDEN_TEST_PGPORT", "5432"));
  static final String PG_USER = System.getenv().getOrDefault("WARDEN_TEST_PGUSER", "postgres");
  static final String PG_DATABASE = System.getenv().getOrDefault("WARDEN_TEST_PGDATABASE", "test");

  final Path dataDir;
  final String agentKey;

  /** The key of identity {@code restricted}, which may use connection {@code test} only. */
  final String restrictedKey;

  final Gateway gateway;

  private GatewayFixture(Path dataDir, String agentKey, String restrictedKey, Gateway gateway) {
    this.dataDir = dataDir;
    this.agentKey = agentKey;
    this.restrictedKey = restrictedKey;
    this.gateway = gateway;
  }

  static GatewayFixture start() throws IOException {
    return start(Map.of());
  }

  /** Starts a gateway; {@code connections} adds YAML connection blocks by name. */
  static GatewayFixture start(Map<String, String> extraConnections) throws IOException {
    return start(extraConnections, "");
  }

  /** Starts a gateway; {@code extraYaml} adds top-level YAML (e.g. a limits or tls block). */
  static GatewayFixture start(Map<String, String> extraConnections, String extraYaml)
      throws IOException {
    return start(extraConnections, extraYaml, new Slf4jAuditLog());
  }

  /** Starts a gateway whose pipeline records to {@code audit}. */
  static GatewayFixture start(
      Map<String, String> extraConnections, String extraYaml, AuditLog audit) throws IOException {
    return start(extraConnections, extraYaml, "", audit);
  }

  /**
   * Starts a gateway; {@code identitiesYaml} adds blocks under {@code identities:} (oidc, roles),
   * indented by two spaces.
   */
  static GatewayFixture start(
      Map<String, String> extraConnections, String extraYaml, String identitiesYaml, AuditLog audit)
      throws IOException {
    SecureRandom random = new SecureRandom();
    String key = ServiceKey.generate(random);
    String restrictedKey = ServiceKey.generate(random);
    Path dataDir = Files.createTempDirectory("warden-it");
    StringBuilder yaml = new StringBuilder();
    yaml.append(
        "listen:\n  postgres: {host: 127.0.0.1, port: 0}\n  admin: {host: 127.0.0.1, port: 0}\n");
    if (extraYaml.startsWith("mcp:") || extraYaml.contains("\nmcp:")) {
      // MCP settings in the extra YAML: the MCP door listens too.
      yaml.append("  mcp: {host: 127.0.0.1, port: 0}\n");
    }
    if (extraYaml.startsWith("agents:") || extraYaml.contains("\nagents:")) {
      // Agents in the extra YAML: they dial in on every address (network namespaces included).
      yaml.append("  agents: {host: 0.0.0.0, port: 0}\n");
    }
    yaml.append("dataDir: ").append(dataDir).append("\n");
    yaml.append(
        extraYaml.contains("limits:") ? extraYaml : "limits:\n  startupTimeout: 3s\n" + extraYaml);
    yaml.append("connections:\n");
    // Two names for the machine's test database: identity "restricted" may use only the first.
    for (String name : new String[] {"test", "other"}) {
      yaml.append(
          "  %s: {host: %s, port: %d, database: %s, user: %s}\n"
              .formatted(name, PG_HOST, PG_PORT, PG_DATABASE, PG_USER));
    }
    extraConnections.forEach(
        (name, block) -> yaml.append("  ").append(name).append(": ").append(block).append("\n"));
    yaml.append("identities:\n  serviceKeys:\n");
    yaml.append("    - {subject: agent, groups: [code-assistant], keyHash: \"")
        .append(ServiceKey.hash(key, random))
        .append("\", connections: [\"*\"]}\n");
    yaml.append("    - {subject: restricted, keyHash: \"")
        .append(ServiceKey.hash(restrictedKey, random))
        .append("\", connections: [test]}\n");
    yaml.append(identitiesYaml);
    WardenConfig config = new ConfigLoader(System::getenv).parse(yaml.toString(), true, dataDir);
    StatementPipeline pipeline = Gateway.pipeline(config, audit);
    return new GatewayFixture(
        dataDir,
        key,
        restrictedKey,
        Gateway.start(config, Identities.of(config, Clock.systemUTC()), pipeline, random));
  }

  /** A connection straight to the test database, as its owner (to set up and check state). */
  static Connection direct() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://%s:%d/%s".formatted(PG_HOST, PG_PORT, PG_DATABASE), PG_USER, "");
  }

  int port() {
    return gateway.postgresPort();
  }

  int adminPort() {
    return gateway.adminPort();
  }

  /** The MCP door's port (when the extra YAML has an {@code mcp:} block). */
  int mcpPort() {
    return gateway.mcpPort();
  }

  /** The port agents dial into (when the extra YAML has an {@code agents:} block). */
  int agentsPort() {
    return gateway.agentsPort();
  }

  Path caCertificate() {
    return dataDir.resolve("tls/ca.crt");
  }

  String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
  }

  Connection connect() throws SQLException {
    return connect("test", new Properties());
  }

  Connection connect(String database, Properties extra) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", agentKey);
    props.setProperty("sslmode", "require");
    props.putAll(extra);
    return DriverManager.getConnection(jdbcUrl(database), props);
  }

  /**
   * pgJDBC properties for a protocol mode: {@code simple}, {@code extended}, or {@code binary}
   * (extended, server-prepared from the first execution, binary results).
   */
  static Properties queryMode(String mode) {
    Properties props = new Properties();
    if (mode.equals("binary")) {
      props.setProperty("preferQueryMode", "extended");
      props.setProperty("prepareThreshold", "-1");
      props.setProperty("binaryTransfer", "true");
    } else {
      props.setProperty("preferQueryMode", mode);
    }
    return props;
  }

  /** The agent on connection test, in a protocol mode (see {@link #queryMode}). */
  Connection connectIn(String mode) throws SQLException {
    return connect("test", queryMode(mode));
  }

  /** Connection test in a protocol mode, signed in with {@code credential} (an OIDC token). */
  Connection connectIn(String mode, String credential) throws SQLException {
    Properties props = queryMode(mode);
    props.setProperty("password", credential);
    return connect("test", props);
  }

  /** A libpq connection string for psql, pgbench and friends (password via PGPASSWORD). */
  String libpqConnInfo(String database) {
    return "host=127.0.0.1 port=" + port() + " dbname=" + database + " user=agent sslmode=require";
  }

  @Override
  public void close() {
    gateway.close();
    LeakRecorder.assertNoLeaks();
  }
}
