package dev.warden.frontend.mysql;

import dev.warden.core.admission.ResultSeen;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.mask.ErrorRedaction;
import dev.warden.core.mask.ResultMasks;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.protocol.mysql.message.Capabilities;
import dev.warden.protocol.mysql.message.ColumnDefinition41;
import dev.warden.protocol.mysql.message.EofPacket;
import dev.warden.protocol.mysql.message.ErrPacket;
import dev.warden.protocol.mysql.message.OkPacket;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.ServerStatus;
import dev.warden.protocol.mysql.message.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The database's responses, attributed to the command in flight: OK and ERR end it; a result set is
 * its column count, its column definitions (from which the kernel's {@link ResultMasks} decides
 * each column's mask), its rows (masked cell by cell in the text protocol, counted and captured for
 * the audit), and its end, which may announce another result. Error texts are scrubbed by the
 * kernel's {@link ErrorRedaction}. While a read's record is not yet durable, nothing of its result
 * reaches the client.
 */
final class BackendResults extends ChannelInboundHandlerAdapter {
  private enum State {
    FIRST,
    COLUMNS,
    COLUMNS_END,
    ROWS
  }

  private final MysqlSession session;
  private final boolean deprecateEof;
  private final int resultRows;
  private State state = State.FIRST;
  private int columnsLeft;
  private final List<ColumnDefinition41> columns = new ArrayList<>();
  private ResultMasks masks;
  private long rows;
  private long affected;
  private final List<AuditEvent.Result> results = new ArrayList<>();
  private final List<List<String>> captured = new ArrayList<>();
  private final List<String> messages = new ArrayList<>();
  private final List<Packet> withheld = new ArrayList<>();
  private long started = System.nanoTime();

  BackendResults(MysqlSession session) {
    this.session = session;
    this.deprecateEof = Capabilities.has(session.capabilities, Capabilities.DEPRECATE_EOF);
    this.resultRows = session.door.server.config().audit().resultRows();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Packet packet = (Packet) msg;
    MysqlSession.InFlight command = session.inFlight.peek();
    if (command == null) {
      packet.release();
      failSession(
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION,
              "the database sent a response no command asked for",
              null));
      return;
    }
    try {
      respond(command, packet);
    } catch (RuntimeException e) {
      packet.release();
      failSession(
          new WardenException(
              ErrorCode.INTERNAL, "a response from the database could not be read: " + e, null));
    }
  }

  private void respond(MysqlSession.InFlight command, Packet packet) {
    switch (state) {
      case FIRST -> first(command, packet);
      case COLUMNS -> {
        ColumnDefinition41 column = ColumnDefinition41.decode(packet.payload().duplicate());
        columns.add(column);
        send(command, packet);
        if (--columnsLeft == 0) {
          masks = masks(command);
          state = deprecateEof ? State.ROWS : State.COLUMNS_END;
        }
      }
      case COLUMNS_END -> {
        send(command, packet);
        state = State.ROWS;
      }
      case ROWS -> {
        if (ErrPacket.is(packet)) {
          error(command, packet);
          return;
        }
        if (OkPacket.endsRows(packet)) {
          int status =
              deprecateEof
                  ? OkPacket.decode(packet.payload().duplicate()).status()
                  : EofPacket.decode(packet.payload().duplicate()).status();
          endResult();
          send(command, packet);
          if ((status & ServerStatus.MORE_RESULTS_EXISTS) != 0) {
            state = State.FIRST;
          } else {
            done(command, null);
          }
          return;
        }
        rows++;
        send(command, row(command, packet));
      }
    }
  }

  private void first(MysqlSession.InFlight command, Packet packet) {
    if (ErrPacket.is(packet)) {
      error(command, packet);
      return;
    }
    if (command.kind() == MysqlSession.Kind.STATISTICS) {
      send(command, packet);
      done(command, null);
      return;
    }
    if (OkPacket.is(packet)) {
      OkPacket ok = OkPacket.decode(packet.payload().duplicate());
      affected += ok.affectedRows();
      send(command, packet);
      if ((ok.status() & ServerStatus.MORE_RESULTS_EXISTS) == 0) {
        if (command.schema() != null) {
          session.schema = command.schema();
        }
        done(command, null);
      }
      return;
    }
    if (packet.header() == 0xFB) {
      // LOCAL INFILE: never offered to the database, so never expected.
      packet.release();
      failSession(
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION, "the database asked for a local file", null));
      return;
    }
    long count = Wire.readLengthEncoded(packet.payload().duplicate());
    if (count <= 0 || count > 4096) {
      packet.release();
      failSession(
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION, "a result set of " + count + " columns", null));
      return;
    }
    columns.clear();
    captured.clear();
    columnsLeft = (int) count;
    state = State.COLUMNS;
    send(command, packet);
  }

  /** The masks of the result whose columns were just described, or null when none applies. */
  private ResultMasks masks(MysqlSession.InFlight command) {
    if (command.verdict() == null || command.verdict().masking() == null) {
      return null;
    }
    List<ResultMasks.Column> described = new ArrayList<>(columns.size());
    for (ColumnDefinition41 c : columns) {
      described.add(
          c.orgTable().isEmpty() || c.orgName().isEmpty()
              ? ResultMasks.Column.COMPUTED
              : new ResultMasks.Column(
                  new ColumnCatalog.Column(
                      c.schema().isEmpty() ? session.schema : c.schema(),
                      c.orgTable(),
                      c.orgName()),
                  false));
    }
    return ResultMasks.of(
        described,
        command.verdict().masking(),
        session.door.server.catalogs().columns(session.connection.name()),
        command.verdict().outputs());
  }

  /** A text row with its masked cells rewritten (the same packet when nothing changes). */
  private Packet row(MysqlSession.InFlight command, Packet packet) {
    boolean capture = command.verdict() != null && captured.size() < resultRows;
    if (masks == null && !capture) {
      return packet;
    }
    ByteBuf in = packet.payload().duplicate();
    List<String> cells = new ArrayList<>(columns.size());
    boolean changed = false;
    for (int i = 0; i < columns.size(); i++) {
      byte[] value = Wire.readLengthEncodedBytes(in);
      String text = value == null ? null : new String(value, StandardCharsets.UTF_8);
      if (masks != null && text != null) {
        Masking.ColumnMask mask = masks.masks().get(i);
        String masked =
            mask != null
                ? mask.strategy().mask(text)
                : masks.classifiers() != null ? masks.classifiers().scrub(text) : text;
        if (masked != text && (masked == null || !masked.equals(text))) {
          text = masked;
          changed = true;
        }
      }
      cells.add(text);
    }
    if (capture) {
      captured.add(cells);
    }
    if (!changed) {
      return packet;
    }
    ByteBuf out = Unpooled.buffer(packet.length() + 16);
    for (String cell : cells) {
      if (cell == null) {
        out.writeByte(Wire.NULL_VALUE);
      } else {
        Wire.writeLengthEncoded(out, cell);
      }
    }
    int sequenceId = packet.sequenceId();
    packet.release();
    return new Packet(sequenceId, out);
  }

  private void endResult() {
    if (!columns.isEmpty()) {
      results.add(
          new AuditEvent.Result(
              columns.stream().map(ColumnDefinition41::name).toList(),
              List.copyOf(captured),
              null));
    }
  }

  private void error(MysqlSession.InFlight command, Packet packet) {
    ErrPacket err = ErrPacket.decode(packet.payload().duplicate());
    String state = err.sqlState() == null ? "HY000" : err.sqlState();
    boolean masked = command.verdict() != null && command.verdict().masking() != null;
    String text = ErrorRedaction.scrub(state, masked, ErrorRedaction.Part.MESSAGE, err.message());
    Packet out = packet;
    if (!text.equals(err.message())) {
      out =
          new Packet(packet.sequenceId(), new ErrPacket(err.code(), err.sqlState(), text).encode());
      packet.release();
    }
    messages.add(state + ": " + text);
    endResult();
    send(command, out);
    done(command, state);
  }

  private void send(MysqlSession.InFlight command, Packet packet) {
    var durable = command.verdict() == null ? null : command.verdict().durable();
    if (durable != null && !durable.isDone()) {
      withheld.add(packet);
      if (withheld.size() == 1) {
        session.database.config().setAutoRead(false);
        durable.whenComplete(
            (ok, failure) -> session.client.eventLoop().execute(() -> release(failure)));
      }
      return;
    }
    if (!withheld.isEmpty()) {
      withheld.add(packet);
      return;
    }
    session.client.write(packet);
  }

  private void release(Throwable failure) {
    if (failure != null) {
      withheld.forEach(Packet::release);
      withheld.clear();
      failSession(
          new WardenException(
              ErrorCode.AUDIT_UNAVAILABLE,
              "the audit trail lost this statement's record; its result is withheld",
              "reconnect; tell an administrator if it persists"));
      return;
    }
    withheld.forEach(session.client::write);
    withheld.clear();
    session.client.flush();
    session.database.config().setAutoRead(true);
  }

  private void done(MysqlSession.InFlight command, String sqlState) {
    session.inFlight.poll();
    if (command.verdict() != null) {
      long micros = (System.nanoTime() - started) / 1000;
      session.admissions.completed(
          command.verdict().admission(),
          rows > 0 ? rows : affected,
          sqlState,
          new ResultSeen(results, messages, affected > 0 ? affected : -1, micros));
    }
    state = State.FIRST;
    rows = 0;
    affected = 0;
    results.clear();
    messages.clear();
    columns.clear();
    masks = null;
    started = System.nanoTime();
    if (withheld.isEmpty()) {
      session.client.flush();
    }
    session.client.config().setAutoRead(true);
  }

  private void failSession(WardenException e) {
    MysqlErrors.failAndClose(session.client, 1, e);
    session.database.close();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (withheld.isEmpty()) {
      session.client.flush();
    }
  }
}
