package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.audit.Slf4jAuditLog;
import dev.warden.demo.EmbeddedMariaDb;
import dev.warden.gateway.tls.DevelopmentCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MySQL door's own login to a MariaDB that demands TLS ({@code require_secure_transport}): with
 * {@code tls.mode: verify-full} and the server's CA the session works (the database reports the
 * cipher), with another CA the gateway refuses to log in — it never falls back to plain text.
 */
class MysqlBackendTlsIT {
  private static final String POLICY =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["tls"],
        "allow": [{"id": "read", "classes": ["READ"], "objects": ["tlsdb.*"]},
                  {"id": "session", "classes": ["SESSION", "TRANSACTION"]}]}]}
      """;

  static EmbeddedMariaDb db;
  static Path dir;
  static Path ca;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("warden-mysql-tls-it");
    Path certs = DevelopmentCertificates.ensure(dir.resolve("db-tls"), new SecureRandom());
    ca = certs.resolve(DevelopmentCertificates.CA_CERTIFICATE);
    db =
        EmbeddedMariaDb.start(
            EmbeddedMariaDb.server().orElseThrow(() -> new AssertionError("mariadbd is needed")),
            dir.resolve("db"),
            0,
            List.of(
                "--ssl-ca=" + ca,
                "--ssl-cert=" + certs.resolve(DevelopmentCertificates.SERVER_CERTIFICATE),
                "--ssl-key=" + certs.resolve(DevelopmentCertificates.SERVER_KEY),
                "--require-secure-transport=ON"));
    Properties props = new Properties();
    props.setProperty("user", "root");
    props.setProperty("password", "");
    props.setProperty("sslMode", "trust");
    try (Connection c =
            DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + db.port() + "/", props);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE tlsdb");
      s.execute("CREATE TABLE tlsdb.t (id INT PRIMARY KEY, name TEXT)");
      s.execute("INSERT INTO tlsdb.t VALUES (1, 'over tls')");
    }
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  static MysqlFixture gateway(Path trusted) throws Exception {
    Path policy = Files.createTempFile(dir, "policy", ".json");
    Files.writeString(policy, POLICY);
    return MysqlFixture.start(
        "tls",
        "tlsdb",
        policy,
        new Slf4jAuditLog(),
        "",
        db.port(),
        ", tls: {mode: verify-full, ca: \"" + trusted + "\"}");
  }

  @Test
  void theGatewayLogsInOverVerifiedTls() throws Exception {
    try (MysqlFixture warden = gateway(ca);
        Connection c = warden.connect(warden.agentKey, new Properties());
        Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT name FROM t WHERE id = 1")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("over tls");
      }
      try (ResultSet rs = s.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
        rs.next();
        assertThat(rs.getString(2)).as("the gateway's session to the database").isNotBlank();
      }
    }
  }

  @Test
  void aCertificateNotFromTheConfiguredCaIsRefused() throws Exception {
    Path other =
        DevelopmentCertificates.ensure(dir.resolve("other-ca"), new SecureRandom())
            .resolve(DevelopmentCertificates.CA_CERTIFICATE);
    try (MysqlFixture warden = gateway(other)) {
      assertThatThrownBy(() -> warden.connect(warden.agentKey, new Properties()).close())
          .hasMessageContaining("warden:")
          .hasMessageContaining("certificate is not trusted")
          .hasMessageContaining("tls.ca");
    }
  }

  static Connection direct(int port) throws Exception {
    return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/", "root", "");
  }
}
