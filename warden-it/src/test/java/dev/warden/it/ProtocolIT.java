package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** Protocol corners no mainstream driver exercises by itself, at the byte level where needed. */
class ProtocolIT {
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void gssEncryptionRequestIsDeclinedAndTlsFollows() throws Exception {
    try (RawClient client = new RawClient(fixture.port())) {
      client.send(ByteBuffer.allocate(8).putInt(8).putInt(80877104).array());
      RawClientBytes.expectByte(client, 'N');
      client.startTls();
      assertThat(client.authenticate(fixture.agentKey, "test").type()).isEqualTo('R');
    }
  }

  @Test
  void newerMinorVersionAndProtocolOptionsAreNegotiatedDown() throws Exception {
    try (RawClient client = new RawClient(fixture.port()).startTls()) {
      byte[] params =
          "user\0agent\0database\0test\0_pq_.fancy\0on\0\0".getBytes(StandardCharsets.US_ASCII);
      client.send(
          ByteBuffer.allocate(8 + params.length)
              .putInt(8 + params.length)
              .putInt((3 << 16) | 2)
              .put(params)
              .array());
      RawClient.Message negotiate = client.read();
      assertThat(negotiate.type()).isEqualTo('v');
      ByteBuffer body = ByteBuffer.wrap(negotiate.body());
      assertThat(body.getInt()).isZero();
      assertThat(body.getInt()).isEqualTo(1);
      assertThat(
              new String(
                  negotiate.body(), 8, negotiate.body().length - 9, StandardCharsets.US_ASCII))
          .isEqualTo("_pq_.fancy");
      assertThat(client.read().type()).isEqualTo('R');
      client.sendPassword(fixture.agentKey);
      assertThat(client.read().type()).isEqualTo('R');
      assertThat(client.readUntilReady().type()).isIn('S', 'K');
    }
  }

  @Test
  void unsupportedMajorVersionIsRefused() throws Exception {
    try (RawClient client = new RawClient(fixture.port()).startTls()) {
      client.send(ByteBuffer.allocate(9).putInt(9).putInt(2 << 16).put((byte) 0).array());
      RawClient.Message error = client.read();
      assertThat(error.fields()).containsEntry('C', "0A000");
      assertThat(error.fields().get('M')).contains("Warden speaks 3.0");
    }
  }

  @Test
  void unknownConnectionNameIsInvalidCatalog() {
    assertThatThrownBy(() -> fixture.connect("no_such_connection", new Properties()).close())
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> {
              assertThat(((SQLException) e).getSQLState()).isEqualTo("3D000");
              assertThat(e.getMessage()).contains("no_such_connection").contains("not registered");
            });
  }

  @Test
  void anIdentityMayOnlyUseItsGrantedConnections() throws Exception {
    Properties props = new Properties();
    props.setProperty("password", fixture.restrictedKey);
    assertThatThrownBy(() -> fixture.connect("other", props).close())
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> {
              assertThat(((SQLException) e).getSQLState()).isEqualTo("42501");
              assertThat(e.getMessage())
                  .contains("identity \"restricted\" may not use connection \"other\"");
            });
    try (Connection c = fixture.connect("test", props)) {
      assertThat(c.isValid(5)).isTrue();
    }
    try (Connection c = fixture.connect("other", new Properties())) {
      assertThat(c.isValid(5)).as("agent may use every connection").isTrue();
    }
  }

  @Test
  void startupSettingsThatWidenPrivilegesAreRefusedByName() throws Exception {
    Properties props = new Properties();
    props.setProperty("options", "-c default_transaction_read_only=off");
    assertThatThrownBy(() -> fixture.connect("test", props).close())
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> assertThat(e.getMessage()).contains("startup parameter 'options' is not allowed"));
    try (RawClient client = new RawClient(fixture.port()).startTls()) {
      byte[] params =
          "user\0agent\0database\0test\0role\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
      client.send(
          ByteBuffer.allocate(8 + params.length)
              .putInt(8 + params.length)
              .putInt(196608)
              .put(params)
              .array());
      RawClient.Message error = client.read();
      assertThat(error.fields()).containsEntry('C', "22023");
      assertThat(error.fields().get('M')).contains("'role'");
    }
  }

  @Test
  void unsafeClientEncodingIsRefused() throws Exception {
    try (RawClient client = new RawClient(fixture.port()).startTls()) {
      byte[] params =
          "user\0agent\0database\0test\0client_encoding\0SJIS\0\0"
              .getBytes(StandardCharsets.US_ASCII);
      client.send(
          ByteBuffer.allocate(8 + params.length)
              .putInt(8 + params.length)
              .putInt(196608)
              .put(params)
              .array());
      RawClient.Message error = client.read();
      assertThat(error.fields()).containsEntry('C', "22023");
      assertThat(error.fields().get('H')).contains("UTF8");
    }
  }

  @Test
  void functionCallProtocolIsRefusedAndTheSessionGoesOn() throws Exception {
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      // FunctionCall of pg_sleep's OID with no arguments; refused before it reaches the server.
      client.sendTyped(
          'F',
          ByteBuffer.allocate(10)
              .putInt(2626)
              .putShort((short) 0)
              .putShort((short) 0)
              .putShort((short) 0)
              .array());
      RawClient.Message error = client.read();
      assertThat(error.fields()).containsEntry('C', "0A000").containsEntry('S', "ERROR");
      assertThat(client.read().type()).isEqualTo('Z');
      client.sendTyped('Q', "SELECT 5\0".getBytes(StandardCharsets.US_ASCII));
      assertThat(client.readUntilReady().type()).isEqualTo('C');
    }
  }

  @Test
  void refusalQueuedBehindARunningQueryIsAnsweredAfterIt() throws Exception {
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      ByteArrayOutputStream both = new ByteArrayOutputStream();
      both.write(typed('Q', "SELECT pg_sleep(0.2), 'first'\0"));
      both.write(
          ByteBuffer.allocate(15)
              .put((byte) 'F')
              .putInt(14)
              .putInt(2626)
              .putShort((short) 0)
              .putShort((short) 0)
              .putShort((short) 0)
              .array());
      client.send(both.toByteArray());
      List<Character> types = new ArrayList<>();
      for (int ready = 0; ready < 2; ) {
        RawClient.Message m = client.read();
        types.add(m.type());
        if (m.type() == 'Z') {
          ready++;
        } else if (m.type() == 'E') {
          assertThat(m.fields()).containsEntry('C', "0A000");
        }
      }
      assertThat(types).containsExactly('T', 'D', 'C', 'Z', 'E', 'Z');
    }
  }

  @Test
  void pipelinedExtendedBatchWithAnErrorDiscardsUntilSync() throws Exception {
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      batch.write(typed('P', "\0SELECT 1/0\0\0\0"));
      batch.write(typed('B', "\0\0\0\0\0\0\0\0"));
      batch.write(typed('E', "\0\0\0\0\0"));
      batch.write(typed('P', "s2\0SELECT 2\0\0\0"));
      batch.write(typed('S', ""));
      batch.write(typed('P', "s3\0SELECT 3\0\0\0"));
      batch.write(typed('B', "\0s3\0\0\0\0\0\0\0"));
      batch.write(typed('E', "\0\0\0\0\0"));
      batch.write(typed('S', ""));
      client.send(batch.toByteArray());
      List<Character> types = new ArrayList<>();
      int ready = 0;
      while (ready < 2) {
        RawClient.Message m = client.read();
        types.add(m.type());
        if (m.type() == 'Z') {
          ready++;
        }
      }
      // Parse of 1/0 succeeds; planning at Bind folds the constant and fails; Execute and s2 are
      // discarded up to Sync; then s3 runs.
      assertThat(types).containsExactly('1', 'E', 'Z', '1', '2', 'D', 'C', 'Z');
    }
  }

  @Test
  void errorAfterFlushWithoutSyncThenMoreMessagesStaysInStep() throws Exception {
    try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
      client.send(typed('P', "bad\0SELEC\0\0\0"));
      client.send(typed('H', ""));
      assertThat(client.read().type()).isEqualTo('E');
      // The server now discards until Sync; these get no response.
      client.send(typed('B', "\0bad\0\0\0\0\0\0\0"));
      client.send(typed('E', "\0\0\0\0\0"));
      client.send(typed('S', ""));
      assertThat(client.read().type()).isEqualTo('Z');
      client.sendTyped('Q', "SELECT 9\0".getBytes(StandardCharsets.US_ASCII));
      assertThat(client.readUntilReady().type()).isEqualTo('C');
    }
  }

  @Test
  void terminateEndsBothSides() throws Exception {
    java.util.function.BooleanSupplier listed =
        () ->
            fixture.gateway.sessions().sessions().stream()
                .anyMatch(m -> "terminate-test".equals(m.get("application")));
    try (RawClient client =
        RawClient.session(fixture.port(), fixture.agentKey, "test", "terminate-test")) {
      BadInputIT.waitFor(listed);
      assertThat(listed.getAsBoolean()).isTrue();
      client.sendTyped('X', new byte[0]);
      assertThat(client.closedByPeer()).isTrue();
    }
    BadInputIT.waitFor(() -> !listed.getAsBoolean());
    assertThat(listed.getAsBoolean()).isFalse();
  }

  @Test
  void notificationsAndNoticesArriveAsynchronously() throws Exception {
    try (Connection listener = fixture.connect();
        Connection notifier = fixture.connect()) {
      try (Statement s = listener.createStatement()) {
        s.execute("LISTEN warden_it");
      }
      try (Statement s = notifier.createStatement()) {
        s.execute("NOTIFY warden_it, 'hello'");
        s.execute("DO $$ BEGIN RAISE NOTICE 'a notice'; END $$");
        java.sql.SQLWarning warning = s.getWarnings();
        assertThat((Object) warning).isNotNull();
        assertThat(warning.getMessage()).contains("a notice");
      }
      PGNotification[] notes = listener.unwrap(PGConnection.class).getNotifications(10_000);
      assertThat(notes).isNotNull();
      assertThat(notes).hasSize(1);
      assertThat(notes[0].getName()).isEqualTo("warden_it");
      assertThat(notes[0].getParameter()).isEqualTo("hello");
    }
  }

  @Test
  void sessionParameterChangesAreReported() throws Exception {
    try (Connection c = fixture.connect();
        Statement s = c.createStatement()) {
      s.execute("SET application_name = 'renamed'");
      try (var rs = s.executeQuery("SHOW application_name")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("renamed");
      }
    }
  }

  private static byte[] typed(char type, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(5 + bytes.length)
        .put((byte) type)
        .putInt(4 + bytes.length)
        .put(bytes)
        .array();
  }

  /** Reads single bytes where the protocol answers with one (SSL / GSS negotiation). */
  static final class RawClientBytes {
    static void expectByte(RawClient client, char expected) throws Exception {
      char answer = (char) client.readByte();
      assertThat(answer).isEqualTo(expected);
    }
  }
}
