package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Garbage from one client: each case on its own connection while another session keeps working.
 * Each gets a clear error or a closed connection, and the gateway keeps serving.
 */
class BadInputIT {
  static IdentityProvider idp;
  static GatewayFixture fixture;
  Connection bystander;

  /** The gateway runs with OIDC on: the bad-input cases must hold with tokens trusted too. */
  @BeforeAll
  static void start() throws Exception {
    idp = IdentityProvider.start(IdentityProvider.ISSUER_ID);
    fixture =
        GatewayFixture.start(
            java.util.Map.of(),
            "",
            "  oidc:\n    issuers:\n"
                + idp.issuerYamlWithDefaults(IdentityProvider.ISSUER_ID)
                + "  roles:\n    - {role: assistant, match: {groups: [code-assistant]}, connections: [test]}\n",
            new dev.warden.core.audit.Slf4jAuditLog());
    waitFor(() -> fixture.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
  }

  @AfterAll
  static void stop() {
    fixture.close();
    idp.close();
  }

  @Test
  void garbageTokensAreRefusedWith28000() throws Exception {
    for (String garbage :
        new String[] {"eyJ.garbage.x", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", ".."}) {
      try (RawClient client = new RawClient(fixture.port()).startTls()) {
        RawClient.Message answer = client.authenticate(garbage, "test");
        assertThat(answer.type()).isEqualTo('E');
        assertThat(answer.fields().get('C')).as(garbage).isIn("28000", "28P01");
        assertThat(answer.fields().get('M'))
            .doesNotContain(garbage.length() > 4 ? garbage : "\u0000");
      }
    }
  }

  @Test
  void aFloodOfUnknownKeyIdsDoesNotHammerTheIdentityProvider() throws Exception {
    idp.drainRequests(200);
    com.nimbusds.jose.jwk.RSAKey attacker = IdentityProvider.newKey("flood");
    for (int i = 0; i < 25; i++) {
      String token =
          IdentityProvider.sign(
              attacker,
              "flood-" + i,
              IdentityProvider.claims(idp.issuer(), "x").build(),
              java.util.Map.of());
      try (RawClient client = new RawClient(fixture.port()).startTls()) {
        assertThat(client.authenticate(token, "test").fields()).containsEntry('C', "28000");
      }
    }
    long jwksFetches =
        idp.drainRequests(300).stream().filter(path -> path.contains("jwks")).count();
    // One refresh per jwksMinRefreshInterval (30 s) at most, whatever the number of bad tokens.
    assertThat(jwksFetches).isLessThanOrEqualTo(1);
  }

  @Test
  void aValidTokenStillWorksBesideTheGarbage() throws Exception {
    try (RawClient client =
        RawClient.session(
            fixture.port(), idp.token("agent", java.util.List.of("code-assistant")), "test")) {
      client.sendTyped('Q', "SELECT 1\0".getBytes(StandardCharsets.US_ASCII));
      assertThat(client.readUntilReady().type()).isEqualTo('C');
    }
  }

  @BeforeEach
  void openBystander() throws Exception {
    bystander = fixture.connect();
    assertBystanderWorks();
  }

  @AfterEach
  void checkBystander() throws Exception {
    assertBystanderWorks();
    bystander.close();
  }

  private void assertBystanderWorks() throws Exception {
    try (Statement s = bystander.createStatement();
        ResultSet rs = s.executeQuery("SELECT 7 * 6")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(42);
    }
  }

  @Test
  void randomBytesCloseTheConnection() throws Exception {
    byte[] garbage = new byte[4096];
    new Random(1).nextBytes(garbage);
    try (RawClient client = new RawClient(fixture.port())) {
      client.send(garbage);
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void randomBytesAfterAuthenticationGetAProtocolError() throws Exception {
    byte[] garbage = new byte[4096];
    new Random(2).nextBytes(garbage);
    garbage[0] = 'Y';
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      client.send(garbage);
      RawClient.Message error = client.read();
      assertThat(error.type()).isEqualTo('E');
      assertThat(error.fields().get('C')).isEqualTo("08P01");
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void twoGigabyteLengthInStartupIsRefusedWithoutAllocation() throws Exception {
    try (RawClient client = new RawClient(fixture.port())) {
      client.send(ByteBuffer.allocate(8).putInt(0x80000000).putInt(196608).array());
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void twoGigabyteLengthAfterAuthenticationIsAProtocolError() throws Exception {
    long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      client.send(ByteBuffer.allocate(5).put((byte) 'Q').putInt(Integer.MAX_VALUE).array());
      RawClient.Message error = client.read();
      assertThat(error.fields().get('C')).isEqualTo("08P01");
      assertThat(error.fields().get('M')).contains("exceeds the limit");
      assertThat(client.closedByPeer()).isTrue();
    }
    long grown = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
    assertThat(grown).isLessThan(16L * 1024 * 1024);
  }

  @Test
  void truncatedMessageIsDroppedAtTheStartupDeadline() throws Exception {
    try (RawClient client = new RawClient(fixture.port())) {
      byte[] header =
          ByteBuffer.allocate(12)
              .putInt(100)
              .putInt(196608)
              .put("user".getBytes(StandardCharsets.US_ASCII))
              .array();
      client.send(header);
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void truncatedMessageAfterAuthenticationThenCloseLeavesNoSession() throws Exception {
    java.util.function.BooleanSupplier listed =
        () ->
            fixture.gateway.sessions().sessions().stream()
                .anyMatch(m -> "truncated-test".equals(m.get("application")));
    try (RawClient client =
        RawClient.session(fixture.port(), fixture.agentKey, "test", "truncated-test")) {
      waitFor(listed);
      assertThat(listed.getAsBoolean()).isTrue();
      client.send(
          ByteBuffer.allocate(9)
              .put((byte) 'Q')
              .putInt(1000)
              .put("SEL".getBytes(StandardCharsets.US_ASCII))
              .array());
    }
    waitFor(() -> !listed.getAsBoolean());
    assertThat(listed.getAsBoolean()).isFalse();
  }

  @Test
  void unknownMessageTypeIsAProtocolError() throws Exception {
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      client.sendTyped('y', new byte[] {1, 2, 3});
      RawClient.Message error = client.read();
      assertThat(error.type()).isEqualTo('E');
      assertThat(error.fields()).containsEntry('C', "08P01").containsEntry('S', "FATAL");
      assertThat(error.fields().get('M')).contains("unknown frontend message type 'y'");
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void startupWithoutTlsIsRefused() throws Exception {
    try (RawClient client = new RawClient(fixture.port())) {
      client.sendStartup("agent", "test");
      RawClient.Message error = client.read();
      assertThat(error.type()).isEqualTo('E');
      assertThat(error.fields().get('C')).isEqualTo("28000");
      assertThat(error.fields().get('M')).contains("TLS is required");
      assertThat(error.fields().get('H')).contains("sslmode=require");
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void plaintextDataPipelinedAfterSslRequestIsRefused() throws Exception {
    try (RawClient client = new RawClient(fixture.port())) {
      byte[] startup = ("user\0agent\0\0").getBytes(StandardCharsets.US_ASCII);
      ByteBuffer both = ByteBuffer.allocate(8 + 8 + startup.length);
      both.putInt(8).putInt(80877103).putInt(8 + startup.length).putInt(196608).put(startup);
      client.send(both.array());
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void clientThatSendsNothingIsDropped() throws Exception {
    try (RawClient client = new RawClient(fixture.port())) {
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void clientThatDribblesItsStartupIsDroppedAtTheDeadline() throws Exception {
    byte[] startup =
        ByteBuffer.allocate(8 + 12)
            .putInt(20)
            .putInt(196608)
            .put("user\0agent\0\0".getBytes(StandardCharsets.US_ASCII))
            .array();
    try (RawClient client = new RawClient(fixture.port())) {
      boolean dropped = false;
      // One byte every 400 ms: always some progress, never done within the 3 s deadline.
      for (int i = 0; i < startup.length - 1 && !dropped; i++) {
        try {
          client.send(new byte[] {startup[i]});
          Thread.sleep(400);
        } catch (java.io.IOException e) {
          dropped = true;
        }
      }
      assertThat(dropped || client.closedByPeer()).isTrue();
    }
  }

  @Test
  void clientThatStallsMidStartupIsDropped() throws Exception {
    try (RawClient client = new RawClient(fixture.port()).startTls()) {
      client.sendStartup("agent", "test");
      assertThat(client.read().type()).isEqualTo('R');
      // Never sends the password: the startup deadline (3 s in this fixture) ends it.
      RawClient.Message error = client.read();
      assertThat(error.fields()).containsEntry('C', "08006");
      assertThat(error.fields().get('M')).contains("did not complete");
      assertThat(client.closedByPeer()).isTrue();
    }
  }

  @Test
  void manyBadConnectionsLeaveNoConnectionsOrMemoryBehind() throws Exception {
    System.gc();
    long heapBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    Random random = new Random(3);
    for (int i = 0; i < 200; i++) {
      try (RawClient client = new RawClient(fixture.port())) {
        byte[] garbage = new byte[1 + random.nextInt(2048)];
        random.nextBytes(garbage);
        client.send(garbage);
        client.closedByPeer();
      } catch (java.io.IOException e) {
        // the gateway may reset the connection while we still write: that is a close too
      }
    }
    waitFor(() -> fixture.gateway.metrics().activeClients() <= 1);
    assertThat(fixture.gateway.metrics().activeClients()).isEqualTo(1); // the bystander
    System.gc();
    long heapGrowth =
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() - heapBefore;
    long directGrowth = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - directBefore;
    assertThat(heapGrowth).isLessThan(64L * 1024 * 1024);
    assertThat(directGrowth).isLessThan(16L * 1024 * 1024);
  }

  static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
