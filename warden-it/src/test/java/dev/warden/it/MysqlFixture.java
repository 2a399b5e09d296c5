package dev.warden.it;

import dev.warden.cli.wiring.Gateway;
import dev.warden.cli.wiring.Identities;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.identity.ServiceKey;
import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Properties;

/**
 * A gateway whose MySQL door fronts the machine's MariaDB (127.0.0.1:3306, root without a
 * password): connection {@code test} is database {@code test}; identity {@code agent} has role
 * {@code agent}, identity {@code approver} role {@code dba} with permission to read approvals.
 */
public final class MysqlFixture implements AutoCloseable {
  public static final String HOST =
      System.getenv().getOrDefault("WARDEN_TEST_MYSQL_HOST", "127.0.0.1");
  public static final int PORT =
      Integer.parseInt(System.getenv().getOrDefault("WARDEN_TEST_MYSQL_PORT", "3306"));
  public static final String USER = System.getenv().getOrDefault("WARDEN_TEST_MYSQL_USER", "root");
  public static final String DATABASE = "test";

  final Gateway gateway;
  public final String agentKey;
  public final String approverKey;
  public final int port;
  final Path dataDir;

  public final String connection;

  private MysqlFixture(
      Gateway gateway,
      String agentKey,
      String approverKey,
      int port,
      Path dataDir,
      String connection) {
    this.connection = connection;
    this.gateway = gateway;
    this.agentKey = agentKey;
    this.approverKey = approverKey;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** A gateway with {@code policy} (a file, or null for none) recording to {@code audit}. */
  public static MysqlFixture start(Path policy, AuditLog audit, String extraYaml)
      throws IOException {
    return start("test", DATABASE, policy, audit, extraYaml);
  }

  /**
   * A gateway whose MySQL connection {@code connection} is database {@code database} of the
   * machine's MariaDB.
   */
  public static MysqlFixture start(
      String connection, String database, Path policy, AuditLog audit, String extraYaml)
      throws IOException {
    return start(connection, database, policy, audit, extraYaml, PORT, "");
  }

  /**
   * The same, in front of the MariaDB on 127.0.0.1:{@code backendPort}; {@code backendExtra} is
   * added to the connection's block (e.g. {@code , tls: {mode: verify-full, ca: "…"}}).
   */
  public static MysqlFixture start(
      String connection,
      String database,
      Path policy,
      AuditLog audit,
      String extraYaml,
      int backendPort,
      String backendExtra)
      throws IOException {
    SecureRandom random = new SecureRandom();
    String agent = ServiceKey.generate(random);
    String approver = ServiceKey.generate(random);
    Path dataDir = Files.createTempDirectory("warden-it-mysql");
    // A free port picked here can be taken by another process before the gateway binds it: then
    // another one is picked.
    for (int attempt = 1; ; attempt++) {
      int port;
      try (ServerSocket socket = new ServerSocket(0)) {
        port = socket.getLocalPort();
      }
      try {
        return start(
            connection,
            database,
            policy,
            audit,
            extraYaml,
            backendPort,
            backendExtra,
            random,
            agent,
            approver,
            dataDir,
            port);
      } catch (dev.warden.gateway.PortInUseException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  private static MysqlFixture start(
      String connection,
      String database,
      Path policy,
      AuditLog audit,
      String extraYaml,
      int backendPort,
      String backendExtra,
      SecureRandom random,
      String agent,
      String approver,
      Path dataDir,
      int port)
      throws IOException {
    String yaml =
        """
        dataDir: %s
        listen:
          postgres: {host: 127.0.0.1, port: 0}
          mysql: {host: 127.0.0.1, port: %d}
          admin: {host: 127.0.0.1, port: 0}
        %s
        limits:
          startupTimeout: 5s
        connections:
          %s: {protocol: mysql, host: %s, port: %d, database: %s, user: %s%s}
        %s
        identities:
          roles:
            - {role: agent, match: {subject: agent}}
            - {role: dba, match: {subject: approver}, permissions: ["approvals:read"]}
          serviceKeys:
            - {subject: agent, keyHash: "%s", connections: ["*"]}
            - {subject: approver, keyHash: "%s", connections: ["*"]}
        %s
        """
            .formatted(
                dataDir,
                port,
                (extraYaml.startsWith("mcp:") || extraYaml.contains("\nmcp:")
                        ? "  mcp: {host: 127.0.0.1, port: 0}\n"
                        : "")
                    + (extraYaml.startsWith("agents:") || extraYaml.contains("\nagents:")
                        ? "  agents: {host: 127.0.0.1, port: 0}"
                        : ""),
                connection,
                HOST,
                backendPort,
                database,
                USER,
                backendExtra,
                policy == null ? "" : "policy: {file: \"" + policy + "\"}",
                ServiceKey.hash(agent, random),
                ServiceKey.hash(approver, random),
                extraYaml);
    WardenConfig config = new ConfigLoader(System::getenv).parse(yaml, true, dataDir);
    Gateway gateway =
        Gateway.start(
            config,
            Identities.of(config, Clock.systemUTC()),
            Gateway.pipeline(config, audit),
            random);
    return new MysqlFixture(gateway, agent, approver, port, dataDir, connection);
  }

  /** MariaDB Connector/J through Warden, over TLS (the development CA is trusted as is). */
  public Connection connect(String credential, Properties extra) throws SQLException {
    return connect("mariadb", credential, extra);
  }

  /**
   * A JDBC connection through Warden with the {@code mariadb} or {@code mysql} driver, over TLS
   * (the development CA trusted as is).
   */
  public Connection connect(String driver, String credential, Properties extra)
      throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", credential);
    // MySQL Connector/J's REQUIRED encrypts without checking the certificate, as mariadb's trust.
    props.setProperty("sslMode", driver.equals("mysql") ? "REQUIRED" : "trust");
    props.putAll(extra);
    return DriverManager.getConnection(
        "jdbc:" + driver + "://127.0.0.1:" + port + "/" + connection, props);
  }

  /** The database itself, as its owner. */
  public static Connection direct() throws SQLException {
    return direct("mariadb", DATABASE, new Properties());
  }

  /**
   * Database {@code database} itself, as its owner, with the {@code mariadb} or {@code mysql}
   * driver.
   */
  public static Connection direct(String driver, String database, Properties extra)
      throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", USER);
    props.setProperty("password", "");
    props.putAll(extra);
    return DriverManager.getConnection(
        "jdbc:" + driver + "://" + HOST + ":" + PORT + "/" + database, props);
  }

  /** The MCP door's port (when the extra YAML has an {@code mcp:} block). */
  public int mcpPort() {
    return gateway.mcpPort();
  }

  public int adminPort() {
    return gateway.adminPort();
  }

  @Override
  public void close() {
    gateway.close();
  }
}
