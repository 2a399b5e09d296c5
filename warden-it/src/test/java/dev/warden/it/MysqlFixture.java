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
final class MysqlFixture implements AutoCloseable {
  static final String HOST = System.getenv().getOrDefault("WARDEN_TEST_MYSQL_HOST", "127.0.0.1");
  static final int PORT =
      Integer.parseInt(System.getenv().getOrDefault("WARDEN_TEST_MYSQL_PORT", "3306"));
  static final String USER = System.getenv().getOrDefault("WARDEN_TEST_MYSQL_USER", "root");
  static final String DATABASE = "test";

  final Gateway gateway;
  final String agentKey;
  final String approverKey;
  final int port;
  final Path dataDir;

  private MysqlFixture(
      Gateway gateway, String agentKey, String approverKey, int port, Path dataDir) {
    this.gateway = gateway;
    this.agentKey = agentKey;
    this.approverKey = approverKey;
    this.port = port;
    this.dataDir = dataDir;
  }

  /** A gateway with {@code policy} (a file, or null for none) recording to {@code audit}. */
  static MysqlFixture start(Path policy, AuditLog audit, String extraYaml) throws IOException {
    SecureRandom random = new SecureRandom();
    String agent = ServiceKey.generate(random);
    String approver = ServiceKey.generate(random);
    Path dataDir = Files.createTempDirectory("warden-it-mysql");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    String yaml =
        """
        dataDir: %s
        listen:
          postgres: {host: 127.0.0.1, port: 0}
          mysql: {host: 127.0.0.1, port: %d}
          admin: {host: 127.0.0.1, port: 0}
        limits:
          startupTimeout: 5s
        connections:
          test: {protocol: mysql, host: %s, port: %d, database: %s, user: %s}
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
                HOST,
                PORT,
                DATABASE,
                USER,
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
    return new MysqlFixture(gateway, agent, approver, port, dataDir);
  }

  /** MariaDB Connector/J through Warden, over TLS (the development CA is trusted as is). */
  Connection connect(String credential, Properties extra) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", "agent");
    props.setProperty("password", credential);
    props.setProperty("sslMode", "trust");
    props.putAll(extra);
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/" + DATABASE, props);
  }

  /** The database itself, as its owner. */
  static Connection direct() throws SQLException {
    return DriverManager.getConnection(
        "jdbc:mariadb://" + HOST + ":" + PORT + "/" + DATABASE, USER, "");
  }

  int adminPort() {
    return gateway.adminPort();
  }

  @Override
  public void close() {
    gateway.close();
  }
}
