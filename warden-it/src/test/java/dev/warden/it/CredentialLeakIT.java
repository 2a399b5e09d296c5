package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.store.AuditKeys;
import dev.warden.store.AuditRecord;
import dev.warden.store.AuditStore;
import dev.warden.store.StoreAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A valid token where it does not belong — the user field ({@code psql -U "$TOKEN"}, a common
 * mistake), the application name, pasted into SQL — and a service key in the user field: none of
 * them appears in any audit record, any log line (every logger at every level) or the database's
 * own view of the session.
 */
class CredentialLeakIT {
  static IdentityProvider idp;
  static GatewayFixture fixture;
  static AuditStore store;
  static StoreAuditLog log;

  @BeforeAll
  static void start() throws Exception {
    idp = IdentityProvider.start(IdentityProvider.ISSUER_ID);
    Path dir = Files.createTempDirectory("warden-credential-leak");
    store = AuditStore.sqlite(dir.resolve("audit.db"));
    log =
        new StoreAuditLog(
            store,
            AuditKeys.loadOrCreate(dir.resolve("audit-signing.key")),
            Clock.systemUTC(),
            1000,
            Duration.ofSeconds(10));
    fixture =
        GatewayFixture.start(
            Map.of(),
            "",
            "  oidc:\n    issuers:\n"
                + idp.issuerYaml(IdentityProvider.ISSUER_ID)
                + "  roles:\n"
                + "    - {role: assistant, match: {groups: [code-assistant]}, connections: [test]}\n",
            log);
  }

  @AfterAll
  static void stop() {
    fixture.close();
    log.close();
    store.close();
    idp.close();
  }

  @Test
  void aCredentialInAFieldItDoesNotBelongInIsNeverLoggedOrRecorded() throws Exception {
    String token = idp.token("agent", List.of("code-assistant"));
    String signature = token.substring(token.lastIndexOf('.') + 1);
    String key = fixture.agentKey;
    List<String> logs;
    try (LogCapture capture = new LogCapture()) {
      // psql -U "$TOKEN" with no password: refused, and the refusal is recorded.
      Processes.Result psql =
          Processes.run(
              List.of(
                  "psql",
                  "-X",
                  "-w",
                  "-c",
                  "SELECT 1",
                  fixture.libpqConnInfo("test") + " user=" + token),
              Map.of("PGPASSWORD", "not-the-credential"),
              Duration.ofSeconds(30));
      assertThat(psql.exitCode()).isNotZero();
      assertThat(psql.stderr())
          .contains("the presented credential is neither")
          .contains("the user name looks like a token or key: pass it as the password")
          .doesNotContain(signature);
      // A service key in the user field, a garbage password.
      try (RawClient raw = new RawClient(fixture.port()).startTls()) {
        raw.sendStartup(key, "test");
        raw.read();
        raw.sendPassword("wrong");
        assertThat(raw.read().fields().get('C')).startsWith("28");
      }
      // A working session whose application name is the token, and SQL quoting it.
      Properties props = new Properties();
      props.setProperty("password", token);
      props.setProperty("ApplicationName", token);
      try (Connection c = fixture.connect("test", props);
          Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("SELECT length('" + token + "')")) {
          rs.next();
          assertThat(rs.getInt(1)).isEqualTo(token.length());
        }
        try (ResultSet rs =
            s.executeQuery(
                "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")) {
          rs.next();
          assertThat(rs.getString(1))
              .as("the database's view of the session")
              .doesNotContain(signature);
        }
      }
      BadInputIT.waitFor(() -> records().stream().anyMatch(r -> r.contains("session.end")));
      logs = capture.lines();
    }
    List<String> records = records();
    assertThat(records).anyMatch(r -> r.contains("auth.failure"));
    assertThat(records).anyMatch(r -> r.contains("SELECT length('[credential]')"));
    for (String record : records) {
      assertThat(record).doesNotContain(signature).doesNotContain(key);
    }
    assertThat(logs).isNotEmpty();
    for (String line : logs) {
      assertThat(line).doesNotContain(signature).doesNotContain(key);
    }
  }

  static List<String> records() {
    try {
      List<String> out = new ArrayList<>();
      for (AuditRecord r : store.read(0, 10_000)) {
        out.add(r.kind() + " " + r.identity() + " " + r.payload());
      }
      return out;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
