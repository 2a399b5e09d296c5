package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Credential custody: the database demands SCRAM-SHA-256 from the gateway's role, the client
 * presents only its service key, and a wrong or missing key never reaches the database.
 */
class CustodyIT {
  static final String ROLE = "custody_app";
  static final String ROLE_PASSWORD = "gateway-only-S3cret";

  static EmbeddedPostgres postgres;
  static ServerSocket countingBackend;
  static final AtomicInteger backendContacts = new AtomicInteger();
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("warden-custody");
    postgres =
        EmbeddedDatabases.start(
            dir,
            "host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n",
            Map.of());
    try (Connection admin = postgres.getPostgresDatabase().getConnection();
        Statement s = admin.createStatement()) {
      s.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + ROLE_PASSWORD + "'");
      s.execute("CREATE DATABASE custody OWNER " + ROLE);
    }
    // A fake database that only counts who connects: proof of "never contacted".
    countingBackend = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!countingBackend.isClosed()) {
                try (Socket s = countingBackend.accept()) {
                  backendContacts.incrementAndGet();
                } catch (Exception e) {
                  return;
                }
              }
            });
    fixture =
        GatewayFixture.start(
            Map.of(
                "custody",
                    "{host: 127.0.0.1, port: "
                        + postgres.getPort()
                        + ", database: custody, user: "
                        + ROLE
                        + ", password: \""
                        + ROLE_PASSWORD
                        + "\"}",
                "wrongpass",
                    "{host: 127.0.0.1, port: "
                        + postgres.getPort()
                        + ", database: custody, user: "
                        + ROLE
                        + ", password: \"not-the-password\"}",
                "counted",
                    "{host: 127.0.0.1, port: "
                        + countingBackend.getLocalPort()
                        + ", database: x, user: x, password: x}"));
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    countingBackend.close();
    postgres.close();
  }

  @Test
  void theDatabaseReallyDemandsThePassword() {
    String url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/custody";
    assertThatThrownBy(() -> DriverManager.getConnection(url, ROLE, "wrong").close())
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("28P01");
  }

  @Test
  void clientWithOnlyItsServiceKeyGetsAScramAuthenticatedSession() throws SQLException {
    try (Connection admin = postgres.getPostgresDatabase().getConnection();
        Statement s = admin.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = '"
                    + ROLE
                    + "'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getBoolean(1)).as("the role's password is stored as a SCRAM verifier").isTrue();
    }
    try (Connection c = fixture.connect("custody", new Properties());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_user, current_database()")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo(ROLE);
      assertThat(rs.getString(2)).isEqualTo("custody");
    }
  }

  @Test
  void wrongKeyIsRefusedWithoutContactingTheDatabase() throws Exception {
    int before = backendContacts.get();
    Properties props = new Properties();
    props.setProperty("password", "wdn_not-a-real-key");
    assertThatThrownBy(() -> fixture.connect("counted", props).close())
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState())
        .isEqualTo("28P01");
    Thread.sleep(200);
    assertThat(backendContacts.get()).isEqualTo(before);
  }

  @Test
  void missingKeyIsRefusedWithoutContactingTheDatabase() throws Exception {
    int before = backendContacts.get();
    try (RawClient client = new RawClient(fixture.port()).startTls()) {
      RawClient.Message error = client.authenticate("", "counted");
      assertThat(error.type()).isEqualTo('E');
      assertThat(error.fields()).containsEntry('C', "28P01");
      assertThat(error.fields().get('M')).contains("no credential");
    }
    Thread.sleep(200);
    assertThat(backendContacts.get()).isEqualTo(before);
  }

  @Test
  void correctKeyDoesContactTheDatabase() throws Exception {
    int before = backendContacts.get();
    // The counting fake closes at once, so the session fails, but it was contacted: this
    // shows the two tests above would notice a contact.
    assertThatThrownBy(() -> fixture.connect("counted", new Properties()).close())
        .isInstanceOf(SQLException.class);
    BadInputIT.waitFor(() -> backendContacts.get() > before);
    assertThat(backendContacts.get()).isEqualTo(before + 1);
  }

  @Test
  void aWrongGatewayCredentialGivesAClearErrorWithoutTheDatabaseDetails() {
    assertThatThrownBy(() -> fixture.connect("wrongpass", new Properties()).close())
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> {
              SQLException sql = (SQLException) e;
              assertThat(sql.getSQLState()).isEqualTo("08006");
              assertThat(sql.getMessage())
                  .contains("refused the gateway")
                  .doesNotContain(ROLE_PASSWORD)
                  .doesNotContain("not-the-password");
            });
  }

  @Test
  void errorMessagesNeverEchoTheKey() {
    Properties props = new Properties();
    props.setProperty("password", "wdn_secret-looking-value");
    assertThatThrownBy(() -> fixture.connect("custody", props).close())
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-looking-value"));
  }
}
