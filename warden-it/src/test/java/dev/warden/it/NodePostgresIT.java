package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * node-postgres (npm {@code pg}) through the gateway, verifying the gateway's certificate against
 * its CA. Its dependencies are installed by {@code npm ci} in src/test/node (.ci/run does it; this
 * test does it too when they are missing).
 */
class NodePostgresIT {
  static final File NODE_DIR = new File("src/test/node");
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    if (!new File(NODE_DIR, "node_modules/pg").isDirectory()) {
      Processes.Result install =
          Processes.run(
              List.of("npm", "ci", "--no-audit", "--no-fund"),
              Map.of(),
              NODE_DIR,
              Duration.ofMinutes(3),
              null);
      assertThat(install.exitCode()).as("npm ci in src/test/node: " + install).isZero();
    }
    fixture = GatewayFixture.start();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void parameterizedQueryAndPreparedStatement() throws Exception {
    Processes.Result run =
        Processes.run(
            List.of("node", "client.js"),
            Map.of(
                "WARDEN_PORT",
                Integer.toString(fixture.port()),
                "WARDEN_DATABASE",
                "test",
                "WARDEN_KEY",
                fixture.agentKey,
                "WARDEN_CA",
                fixture.caCertificate().toString()),
            NODE_DIR,
            Duration.ofMinutes(1),
            null);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.stdout().strip())
        .isEqualTo(
            "{\"sum\":42,\"word\":\"warden\",\"prepared\":[4,9,16],\"error\":\"22012\",\"app\":\"node-it\"}");
  }
}
