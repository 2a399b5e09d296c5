package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.Slf4jAuditLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Garbage at the MySQL door, before and after login — random bytes, mutated handshakes, lengths
 * claiming 16 MiB and more, split packets that never end, unknown and truncated commands, wrong
 * sequence ids — while a canary session keeps running its query: every bad connection is closed (or
 * answered with an error), the canary never fails, and new logins keep working. Seeded and bounded
 * in count and time.
 */
class MysqlBadInputIT {
  private static final long SEED = 20261207L;
  private static MysqlFixture warden;

  @BeforeAll
  static void start() throws Exception {
    Path policy = Files.createTempFile("warden-bad-input", ".json");
    Files.writeString(
        policy,
        """
        {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["test"],
          "allow": [{"id": "read", "classes": ["READ"], "verbs": ["SELECT"], "objects": ["*.*"]},
                    {"id": "session", "classes": ["SESSION", "TRANSACTION"]}]}]}
        """);
    // Plain text on loopback, so the raw clients below can log in without a TLS stack.
    warden =
        MysqlFixture.start(
            policy,
            new Slf4jAuditLog(),
            "tls:\n  allowPlaintextOnLoopback: true\nlimits:\n  maxMessageBytes: 1048576\n");
  }

  @AfterAll
  static void stop() {
    if (warden != null) {
      warden.close();
    }
  }

  @Test
  void garbageNeverHarmsAnotherSession() throws Exception {
    Random random = new Random(SEED);
    try (Connection canary = warden.connect(warden.agentKey, new Properties())) {
      for (int round = 0; round < 60; round++) {
        int kind = round % 6;
        try (Socket socket = new Socket("127.0.0.1", warden.port)) {
          socket.setSoTimeout(3000);
          InputStream in = socket.getInputStream();
          OutputStream out = socket.getOutputStream();
          MysqlWire.readPacket(in); // the greeting
          switch (kind) {
            case 0 -> { // random bytes instead of a handshake response
              byte[] junk = new byte[1 + random.nextInt(300)];
              random.nextBytes(junk);
              out.write(junk);
            }
            case 1 -> { // a length of 16 MiB - 1 (a split packet), then a stop
              out.write(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 1, 2, 3});
            }
            case 2 -> { // a mutated handshake response
              byte[] response = MysqlWire.handshake(warden.agentKey, "test");
              for (int m = 0; m < 1 + random.nextInt(4); m++) {
                response[4 + random.nextInt(response.length - 4)] = (byte) random.nextInt(256);
              }
              out.write(response);
            }
            default -> { // logged in, then bad commands
              out.write(MysqlWire.handshake(warden.agentKey, "test"));
              byte[] ok = MysqlWire.readPacket(in);
              assertThat(ok[0]).as("login answer").isEqualTo((byte) 0x00);
              out.write(badCommand(kind, random));
            }
          }
          out.flush();
          assertThat(drainUntilClosedOrError(in)).as("round %d (kind %d)", round, kind).isTrue();
        }
        try (ResultSet rs = canary.createStatement().executeQuery("SELECT 1 + 1")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).as("the canary, round %d", round).isEqualTo(2);
        }
      }
    }
    // New sessions still start.
    try (Connection fresh = warden.connect(warden.agentKey, new Properties());
        ResultSet rs = fresh.createStatement().executeQuery("SELECT 3")) {
      assertThat(rs.next()).isTrue();
    }
  }

  @Test
  void aPacketOverTheLimitAfterLoginIsAnsweredWithAnErrorAndAClose() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", warden.port)) {
      socket.setSoTimeout(5000);
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      MysqlWire.readPacket(in);
      out.write(MysqlWire.handshake(warden.agentKey, "test"));
      assertThat(MysqlWire.readPacket(in)[0]).isEqualTo((byte) 0x00);
      // A header claiming 2 MiB, over limits.maxMessageBytes (1 MiB): refused from the header.
      out.write(new byte[] {0, 0, 0x20, 0, 3});
      out.flush();
      byte[] err = MysqlWire.readPacket(in);
      assertThat(err[0]).isEqualTo((byte) 0xFF);
      assertThat(new String(err, 9, err.length - 9, StandardCharsets.UTF_8))
          .contains("exceeds the limit")
          .contains("limits.maxMessageBytes");
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  /** A command that is garbage in one of several ways, as a whole packet with its header. */
  private static byte[] badCommand(int kind, Random random) {
    return switch (kind) {
      case 3 ->
          MysqlWire.packet(0, new byte[] {(byte) (0x60 + random.nextInt(0x20))}); // unknown command
      case 4 -> MysqlWire.packet(0, new byte[] {0x17, 1, 0}); // a truncated COM_STMT_EXECUTE
      default ->
          MysqlWire.packet(5, "SELECT 1".getBytes(StandardCharsets.UTF_8)); // wrong sequence id
    };
  }

  /**
   * Whether the gateway answered within the time limit: it closed the connection, reset it, or sent
   * a whole packet (an ERR naming what was wrong, or an OK when a mutation hit bytes that do not
   * matter) — never silence past the startup timeout.
   */
  private static boolean drainUntilClosedOrError(InputStream in) throws IOException {
    long deadline = System.nanoTime() + 12_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        byte[] packet = MysqlWire.readPacket(in);
        int header = packet.length == 0 ? -1 : packet[0] & 0xFF;
        if (header == 0xFF || header == 0x00) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        // a connection still waiting for more is closed by the startup timeout; keep reading
      } catch (IOException e) {
        return true; // closed or reset by the gateway
      }
    }
    return false;
  }
}
