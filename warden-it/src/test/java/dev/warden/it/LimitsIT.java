package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The configurable limits, each on a gateway of its own. */
class LimitsIT {

  @Test
  void connectionsBeyondTheLimitAreRefusedAndSlotsAreFreedOnClose() throws Exception {
    try (GatewayFixture fixture =
        GatewayFixture.start(Map.of(), "limits:\n  maxClientConnections: 2\n")) {
      try (Connection first = fixture.connect();
          Connection second = fixture.connect()) {
        assertThatThrownBy(() -> fixture.connect().close())
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(e.getMessage()).contains("limit of 2 client connections"));
        assertThat(first.isValid(5)).isTrue();
        assertThat(second.isValid(5)).isTrue();
      }
      BadInputIT.waitFor(() -> fixture.gateway.metrics().activeClients() == 0);
      try (Connection again = fixture.connect()) {
        assertThat(again.isValid(5)).isTrue();
      }
    }
  }

  @Test
  void idleSessionsAreClosedButBusyOnesAreNot() throws Exception {
    try (GatewayFixture fixture = GatewayFixture.start(Map.of(), "limits:\n  idleTimeout: 1s\n")) {
      try (Connection busy = fixture.connect();
          Statement s = busy.createStatement()) {
        // A statement running longer than the idle timeout is not idleness.
        s.execute("SELECT pg_sleep(2)");
        assertThat(busy.isValid(5)).isTrue();
      }
      try (RawClient idle = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
        // Nothing sent for longer than the idle timeout: the gateway ends the session itself.
        RawClient.Message error = idle.read();
        assertThat(error.fields()).containsEntry('C', "57P05").containsEntry('S', "FATAL");
        assertThat(error.fields().get('M')).contains("idle");
        assertThat(idle.closedByPeer()).isTrue();
      }
    }
  }

  @Test
  void plaintextIsAcceptedOnLoopbackOnlyWhenExplicitlyAllowed() throws Exception {
    Properties plain = new Properties();
    plain.setProperty("sslmode", "disable");
    try (GatewayFixture strict = GatewayFixture.start()) {
      assertThatThrownBy(() -> strict.connect("test", plain).close())
          .isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(e.getMessage()).contains("TLS is required"));
    }
    try (GatewayFixture relaxed =
            GatewayFixture.start(Map.of(), "tls: {allowPlaintextOnLoopback: true}\n");
        Connection c = relaxed.connect("test", plain);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      assertThat(rs.next()).isTrue();
    }
  }
}
