package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.protocol.postgres.message.Bind;
import dev.warden.protocol.postgres.message.Close;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.CopyDone;
import dev.warden.protocol.postgres.message.CopyFail;
import dev.warden.protocol.postgres.message.Describe;
import dev.warden.protocol.postgres.message.Execute;
import dev.warden.protocol.postgres.message.Flush;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.Parse;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.Sync;
import dev.warden.protocol.postgres.message.Target;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.StoreAuditLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
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
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Garbage pipelined behind a statement, with the write-ahead audit trail on (so the statement and
 * everything after it wait for its record, and are decoded again when it is durable): every session
 * ends in a result, an error or a close — never silence — and a write pipelined before a frame
 * Warden refuses is never committed behind the client's back.
 */
class PipelinedGarbageIT {
  static GatewayFixture fixture;
  static StoreAuditLog log;
  static AuditStore store;

  @BeforeAll
  static void start() throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement()) {
      s.execute("DROP TABLE IF EXISTS public.garbage_probe");
      s.execute("CREATE TABLE public.garbage_probe (tag text)");
    }
    Path dir = Files.createTempDirectory("warden-garbage");
    store = AuditStore.sqlite(dir.resolve("audit.db"));
    log =
        new StoreAuditLog(
            store,
            AuditKeys.loadOrCreate(dir.resolve("audit-signing.key")),
            Clock.systemUTC(),
            1000,
            Duration.ofSeconds(10));
    fixture = GatewayFixture.start(Map.of(), "", log);
  }

  @AfterAll
  static void stop() {
    fixture.close();
    log.close();
    store.close();
  }

  /** A Bind with a format code the protocol does not have. */
  static byte[] bindWithUnknownFormat() {
    ByteBuf b = Unpooled.buffer();
    b.writeByte('B');
    int at = b.writerIndex();
    b.writeInt(0);
    b.writeByte(0).writeByte(0); // portal "", statement ""
    b.writeShort(1).writeShort(7); // one parameter format: 7
    b.writeShort(0).writeShort(0);
    b.setInt(at, b.writerIndex() - at);
    return bytes(b);
  }

  /** A Parse declaring more parameter types than it carries. */
  static byte[] parseWithTooManyParameters() {
    ByteBuf b = Unpooled.buffer();
    b.writeByte('P');
    int at = b.writerIndex();
    b.writeInt(0);
    b.writeByte(0);
    b.writeBytes("SELECT $1\0".getBytes(StandardCharsets.UTF_8));
    b.writeShort(60_000);
    b.writeInt(23);
    b.setInt(at, b.writerIndex() - at);
    return bytes(b);
  }

  static byte[] unknownType() {
    return new byte[] {'@', 0, 0, 0, 4};
  }

  /**
   * The wedge: a Query and a frame that fails to decode, in one write. The Query waits for its
   * record; the frame behind it used to fail in the task that runs when the record is durable,
   * outside any read, so the session hung — neither result nor error, connection open — and the
   * pipelined INSERT committed after the client gave up.
   */
  @Test
  void aQueryPipelinedWithAMalformedFrameEndsIn08P01AndACloseWithNoLateCommit() throws Exception {
    List<byte[]> malformed =
        List.of(bindWithUnknownFormat(), parseWithTooManyParameters(), unknownType());
    for (int i = 0; i < malformed.size(); i++) {
      String tag = "wedge-" + i;
      try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
        ByteArrayOutputStream write = new ByteArrayOutputStream();
        write.writeBytes(
            frame(new Query("INSERT INTO public.garbage_probe VALUES ('" + tag + "')")));
        write.writeBytes(malformed.get(i));
        client.send(write.toByteArray());
        Outcome outcome = readToTheEnd(client, null);
        assertThat(outcome.error08P01()).as("frame %d: 08P01", i).isTrue();
        assertThat(outcome.closed()).as("frame %d: closed", i).isTrue();
        Thread.sleep(300);
        assertThat(rows(tag))
            .as("frame %d: the INSERT ran only if the client was told so", i)
            .isEqualTo(outcome.tags().contains("INSERT 0 1") ? 1 : 0);
      }
    }
    assertBystanderWorks();
  }

  /**
   * Seeded fuzzing through the whole gateway: each session sends, in one write, a statement (a
   * write, held for its record), one to three frames mutated from valid ones (bytes flipped,
   * strings cut, counts changed, bodies truncated or extended, unknown types), then Sync and a
   * Query whose answer marks the end. Every session must end in that answer, or an error, or a
   * close, within the read timeout. Bounded in sessions and time.
   */
  @Test
  void mutatedPipelinedFramesNeverLeaveASessionSilent() throws Exception {
    long seed = Long.getLong("warden.fuzz.seed", 20261207L);
    Random random = new Random(seed);
    long deadline = System.nanoTime() + Duration.ofSeconds(25).toNanos();
    int sessions = 0;
    int answered = 0;
    int refused = 0;
    for (; sessions < 400 && System.nanoTime() < deadline; sessions++) {
      try (RawClient client = RawClient.session(fixture.port(), fixture.agentKey, "test")) {
        ByteArrayOutputStream write = new ByteArrayOutputStream();
        write.writeBytes(
            frame(
                random.nextBoolean()
                    ? new Query("INSERT INTO public.garbage_probe VALUES ('fuzz')")
                    : new Query("SELECT 1")));
        int garbage = 1 + random.nextInt(3);
        for (int k = 0; k < garbage; k++) {
          write.writeBytes(mutated(random));
        }
        String end = "end-" + sessions;
        write.writeBytes(frame(new Sync()));
        write.writeBytes(frame(new Query("SELECT '" + end + "'")));
        client.send(write.toByteArray());
        Outcome outcome;
        try {
          outcome = readToTheEnd(client, end);
        } catch (SocketTimeoutException e) {
          throw new AssertionError(
              "session "
                  + sessions
                  + " went silent (seed "
                  + seed
                  + "; rerun with -Dwarden.fuzz.seed="
                  + seed
                  + ")");
        }
        if (outcome.answered()) {
          answered++;
        } else {
          refused++;
        }
      }
    }
    System.out.printf(
        "pipelined garbage: %d sessions (seed %d): %d answered, %d refused and closed%n",
        sessions, seed, answered, refused);
    assertThat(sessions).isGreaterThan(50);
    assertThat(answered).isPositive();
    assertThat(refused).isPositive();
    assertBystanderWorks();
  }

  /** How a session ended: the tags and errors seen, the end marker, a close. */
  record Outcome(List<String> tags, List<String> sqlStates, boolean answered, boolean closed) {
    boolean error08P01() {
      return sqlStates.contains("08P01");
    }
  }

  /**
   * Reads until the end marker's ReadyForQuery (when {@code end} is given) or the close. A read
   * that times out throws: silence.
   */
  static Outcome readToTheEnd(RawClient client, String end) throws IOException {
    List<String> tags = new ArrayList<>();
    List<String> states = new ArrayList<>();
    boolean marker = false;
    while (true) {
      RawClient.Message m;
      try {
        m = client.read();
      } catch (EOFException e) {
        return new Outcome(tags, states, false, true);
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        return new Outcome(tags, states, false, true); // reset by the gateway
      }
      switch (m.type()) {
        case 'C' -> tags.add(new String(m.body(), 0, m.body().length - 1, StandardCharsets.UTF_8));
        case 'E' -> states.add(m.fields().get('C'));
        case 'D' ->
            marker |= end != null && new String(m.body(), StandardCharsets.UTF_8).contains(end);
        case 'Z' -> {
          if (marker) {
            return new Outcome(tags, states, true, false);
          }
        }
        default -> {}
      }
    }
  }

  /** A frame mutated from a valid one, its length always matching its bytes. */
  static byte[] mutated(Random random) {
    List<FrontendMessage> templates =
        List.of(
            new Query("SELECT 1"),
            new Parse("s", "SELECT $1::int", List.of(23)),
            new Bind(
                "",
                "s",
                List.of(0),
                List.of(Unpooled.wrappedBuffer("1".getBytes(StandardCharsets.UTF_8))),
                List.of(0)),
            new Describe(Target.PORTAL, ""),
            new Describe(Target.STATEMENT, "s"),
            new Execute("", 0),
            new Close(Target.STATEMENT, "s"),
            new Flush(),
            new CopyData(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
            new CopyDone(),
            new CopyFail("x"));
    byte[] frame = frame(templates.get(random.nextInt(templates.size())));
    byte[] body = java.util.Arrays.copyOfRange(frame, 5, frame.length);
    switch (random.nextInt(7)) {
      case 0 -> {
        if (body.length > 0) {
          body[random.nextInt(body.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> {
        if (body.length > 0) {
          body[random.nextInt(body.length)] = 0;
        }
      }
      case 2 ->
          body = java.util.Arrays.copyOf(body, Math.max(0, body.length - 1 - random.nextInt(3)));
      case 3 -> {
        byte[] longer = java.util.Arrays.copyOf(body, body.length + 1 + random.nextInt(4));
        for (int i = body.length; i < longer.length; i++) {
          longer[i] = (byte) random.nextInt(256);
        }
        body = longer;
      }
      case 4 -> {
        if (body.length >= 2) {
          int at = random.nextInt(body.length - 1);
          body[at] = (byte) random.nextInt(256);
          body[at + 1] = (byte) random.nextInt(256);
        }
      }
      case 5 -> frame[0] = (byte) "@!#GKLNVYabglmnuvwyz".charAt(random.nextInt(20));
      default -> {
        return frame; // unchanged: valid frames out of place are part of the game
      }
    }
    ByteBuf out = Unpooled.buffer();
    out.writeByte(frame[0]).writeInt(body.length + 4).writeBytes(body);
    return bytes(out);
  }

  static byte[] frame(FrontendMessage message) {
    ByteBuf out = Unpooled.buffer();
    message.encode(out);
    return bytes(out);
  }

  private static byte[] bytes(ByteBuf b) {
    byte[] bytes = new byte[b.readableBytes()];
    b.readBytes(bytes);
    b.release();
    return bytes;
  }

  static int rows(String tag) throws Exception {
    try (Connection direct = GatewayFixture.direct();
        Statement s = direct.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM public.garbage_probe WHERE tag = '" + tag + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** Another client, meanwhile, is served as usual. */
  static void assertBystanderWorks() throws Exception {
    try (Connection c = fixture.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 41 + 1")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(42);
    }
  }
}
