package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.StoreAuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Write-ahead, fail closed: with the PostgreSQL audit store unreachable, statements are refused
 * with a clear error and never reach the database; when the store returns, statements run again
 * without a restart. The outage is staged by cutting a loopback relay in front of the store.
 */
class AuditOutageIT {
  @Test
  void statementsAreRefusedWhileTheStoreIsDownAndRunAgainWhenItReturns() throws Exception {
    try (Connection admin =
            DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS warden_audit_outage WITH (FORCE)");
      s.execute("CREATE DATABASE warden_audit_outage");
    }
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.audit_outage");
      s.execute("CREATE TABLE public.audit_outage (phase text)");
    }
    Path dir = Files.createTempDirectory("warden-audit-outage");
    try (TcpGate gate = new TcpGate(5432)) {
      AuditStore store =
          AuditStore.postgresql(
              "jdbc:postgresql://127.0.0.1:" + gate.port() + "/warden_audit_outage",
              "postgres",
              null);
      StoreAuditLog log =
          new StoreAuditLog(
              store,
              AuditKeys.loadOrCreate(dir.resolve("audit-signing.key")),
              Clock.systemUTC(),
              1000,
              Duration.ofSeconds(10));
      try (GatewayFixture fixture = GatewayFixture.start(Map.of(), "audit: {timeout: 2s}\n", log)) {
        try (Connection c = fixture.connectIn("simple");
            Statement s = c.createStatement()) {
          s.execute("INSERT INTO public.audit_outage VALUES ('before')");
          gate.cut();
          long start = System.nanoTime();
          assertThatThrownBy(() -> s.execute("INSERT INTO public.audit_outage VALUES ('during')"))
              .hasMessageContaining("denied by rule audit-unavailable")
              .hasMessageContaining("Warden runs nothing it has not recorded");
          assertThat(Duration.ofNanos(System.nanoTime() - start))
              .isLessThan(Duration.ofSeconds(30));
          // The session survives the refusal; the store comes back; the same session goes on.
          gate.restore();
          boolean ran = false;
          for (int attempt = 0; attempt < 40 && !ran; attempt++) {
            try {
              s.execute("INSERT INTO public.audit_outage VALUES ('after')");
              ran = true;
            } catch (java.sql.SQLException e) {
              assertThat(e.getMessage()).contains("audit-unavailable");
              Thread.sleep(250);
            }
          }
          assertThat(ran).as("a statement runs again once the store is back").isTrue();
        }
      } finally {
        store.close();
      }
    }
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT phase, count(*) FROM public.audit_outage GROUP BY phase ORDER BY 1")) {
      StringBuilder phases = new StringBuilder();
      while (rs.next()) {
        phases.append(rs.getString(1)).append('=').append(rs.getInt(2)).append(' ');
      }
      // The refused statement never ran; the one after the outage ran once.
      assertThat(phases.toString().strip()).isEqualTo("after=1 before=1");
    }
  }
}
