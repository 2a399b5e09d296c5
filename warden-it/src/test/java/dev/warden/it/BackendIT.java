package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.gateway.tls.DevelopmentCertificates;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's side of custody against a database with TLS and every password method: TLS modes
 * require and verify-full (and their failures), MD5 and cleartext authentication, and a cancel
 * forwarded over TLS.
 */
class BackendIT {
  static EmbeddedPostgres postgres;
  static Path serverTls;
  static Path otherCa;
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("warden-backend");
    serverTls = DevelopmentCertificates.ensure(dir.resolve("server-tls"), new SecureRandom());
    otherCa =
        DevelopmentCertificates.ensure(dir.resolve("other-tls"), new SecureRandom())
            .resolve(DevelopmentCertificates.CA_CERTIFICATE);
    postgres =
        EmbeddedDatabases.start(
            dir,
            """
            host      all postgres   127.0.0.1/32 trust
            hostssl   all tls_only   127.0.0.1/32 scram-sha-256
            hostnossl all tls_only   127.0.0.1/32 reject
            host      all md5_user   127.0.0.1/32 md5
            host      all clear_user 127.0.0.1/32 password
            """,
            Map.of(
                "ssl", "on",
                "ssl_cert_file",
                    serverTls.resolve(DevelopmentCertificates.SERVER_CERTIFICATE).toString(),
                "ssl_key_file", serverTls.resolve(DevelopmentCertificates.SERVER_KEY).toString()));
    try (Connection admin = postgres.getPostgresDatabase().getConnection();
        Statement s = admin.createStatement()) {
      s.execute("CREATE ROLE tls_only LOGIN PASSWORD 'tls-pw'");
      s.execute("SET password_encryption = 'md5'");
      s.execute("CREATE ROLE md5_user LOGIN PASSWORD 'md5-pw'");
      s.execute("RESET password_encryption");
      s.execute("CREATE ROLE clear_user LOGIN PASSWORD 'clear-pw'");
    }
    int port = postgres.getPort();
    String ca = serverTls.resolve(DevelopmentCertificates.CA_CERTIFICATE).toString();
    fixture =
        GatewayFixture.start(
            Map.of(
                "tls_require", conn(port, "tls_only", "tls-pw", "{mode: require}"),
                "tls_verify",
                    conn(port, "tls_only", "tls-pw", "{mode: verify-full, ca: \"" + ca + "\"}"),
                "tls_wrong_ca",
                    conn(
                        port, "tls_only", "tls-pw", "{mode: verify-full, ca: \"" + otherCa + "\"}"),
                "tls_off", conn(port, "tls_only", "tls-pw", "{mode: disable}"),
                "md5", conn(port, "md5_user", "md5-pw", "{mode: disable}"),
                "cleartext", conn(port, "clear_user", "clear-pw", "{mode: disable}"),
                "no_tls_server",
                    "{host: 127.0.0.1, port: "
                        + GatewayFixture.PG_PORT
                        + ", database: test, user: postgres, tls: {mode: require}}"));
  }

  static String conn(int port, String user, String password, String tls) {
    return "{host: 127.0.0.1, port: "
        + port
        + ", database: postgres, user: "
        + user
        + ", password: \""
        + password
        + "\", tls: "
        + tls
        + "}";
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    postgres.close();
  }

  private static String[] whoAndTls(String connection) throws SQLException {
    try (Connection c = fixture.connect(connection, new Properties());
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT current_user, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)")) {
      rs.next();
      return new String[] {rs.getString(1), rs.getString(2)};
    }
  }

  @Test
  void requireEncryptsTheBackendConnection() throws SQLException {
    assertThat(whoAndTls("tls_require")).containsExactly("tls_only", "t");
  }

  @Test
  void verifyFullChecksChainAndHostName() throws SQLException {
    assertThat(whoAndTls("tls_verify")).containsExactly("tls_only", "t");
  }

  @Test
  void verifyFullWithTheWrongCaFailsClearly() {
    assertThatThrownBy(() -> whoAndTls("tls_wrong_ca"))
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> {
              assertThat(((SQLException) e).getSQLState()).isEqualTo("08006");
              assertThat(e.getMessage()).contains("TLS handshake with the database failed");
            });
  }

  @Test
  void aDatabaseThatDemandsTlsRefusesThePlainGateway() {
    assertThatThrownBy(() -> whoAndTls("tls_off"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains("refused the gateway"));
  }

  @Test
  void requireAgainstADatabaseWithoutTlsFailsClosed() {
    assertThatThrownBy(() -> whoAndTls("no_tls_server"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(e.getMessage()).contains("does not accept TLS"));
  }

  @Test
  void md5Authentication() throws SQLException {
    assertThat(whoAndTls("md5")).containsExactly("md5_user", "f");
  }

  @Test
  void cleartextAuthenticationOnLoopback() throws SQLException {
    assertThat(whoAndTls("cleartext")).containsExactly("clear_user", "f");
  }

  @Test
  void cancelIsForwardedOverTls() throws Exception {
    try (Connection c = fixture.connect("tls_require", new Properties());
        Statement s = c.createStatement()) {
      Cancellation.assertCancelsLongSleep(s);
    }
  }
}
