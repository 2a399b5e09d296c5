package dev.warden.it;

import dev.warden.core.audit.AuditLog;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The front-door contract through the MySQL door in front of MariaDB, with MariaDB Connector/J's
 * normal settings (statements prepared on the client, TLS).
 */
class MysqlFrontDoorIT extends FrontDoorContract {
  @Override
  protected Door open(Path policy, AuditLog audit) throws Exception {
    MysqlFixture fixture = MysqlFixture.start(policy, audit, "");
    return new Door() {
      @Override
      public Connection connect(String credential) throws SQLException {
        return fixture.connect(credential, new Properties());
      }

      @Override
      public Connection direct() throws SQLException {
        return MysqlFixture.direct();
      }

      @Override
      public String agentKey() {
        return fixture.agentKey;
      }

      @Override
      public String approverKey() {
        return fixture.approverKey;
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
    return MysqlFixture.direct();
  }

  @Override
  protected String schema() {
    return MysqlFixture.DATABASE;
  }
}
