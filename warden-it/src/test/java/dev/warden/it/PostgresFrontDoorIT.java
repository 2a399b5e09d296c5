package dev.warden.it;

import dev.warden.core.audit.AuditLog;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * The front-door contract through the PostgreSQL door, with pgJDBC's normal settings (extended
 * protocol, server-side statements from the fifth execution).
 */
class PostgresFrontDoorIT extends FrontDoorContract {
  @Override
  protected Door open(Path policy, AuditLog audit) throws Exception {
    GatewayFixture fixture =
        GatewayFixture.start(
            Map.of(),
            "policy: {file: \"" + policy + "\"}\n",
            "  roles:\n"
                + "    - {role: agent, match: {subject: agent}}\n"
                + "    - {role: dba, match: {subject: restricted}, permissions:"
                + " [\"approvals:read\"]}\n",
            audit);
    return new Door() {
      @Override
      public Connection connect(String credential) throws SQLException {
        Properties props = new Properties();
        props.setProperty("password", credential);
        return fixture.connect("test", props);
      }

      @Override
      public Connection direct() throws SQLException {
        return GatewayFixture.direct();
      }

      @Override
      public String agentKey() {
        return fixture.agentKey;
      }

      @Override
      public String approverKey() {
        return fixture.restrictedKey;
      }

      @Override
      public int adminPort() {
        return fixture.adminPort();
      }

      @Override
      public void close() {
        fixture.close();
      }
    };
  }

  @Override
  protected Connection direct() throws SQLException {
    return GatewayFixture.direct();
  }

  @Override
  protected String schema() {
    return "public";
  }
}
