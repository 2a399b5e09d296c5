package dev.warden.frontend.mysql;

import dev.warden.core.admission.LimitMessages;
import dev.warden.core.admission.ResultSeen;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.mask.ErrorRedaction;
import dev.warden.core.mask.ResultMasks;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.protocol.mysql.message.Capabilities;
import dev.warden.protocol.mysql.message.ColumnDefinition41;
import dev.warden.protocol.mysql.message.ComStmtPrepareOk;
import dev.warden.protocol.mysql.message.EofPacket;
import dev.warden.protocol.mysql.message.ErrPacket;
import dev.warden.protocol.mysql.message.OkPacket;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.ServerStatus;
import dev.warden.protocol.mysql.message.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * The database's responses, attributed to the command in flight. OK and ERR end it; a result set is
 * its column count, its column definitions (from which the kernel's {@link ResultMasks} decides
 * each column's mask), its rows (masked cell by cell, text or binary; counted, cut at
 * maxRowsReturned, captured for the audit) and its end, which may announce another result; a
 * prepare's answer is its id and definitions. A guarded write's OK waits until Warden's own commit
 * (or is replaced by an error after its rollback). Error texts are scrubbed by the kernel's {@link
 * ErrorRedaction}. While a read's record is not yet durable, nothing of its result reaches the
 * client.
 */
final class BackendResults extends ByteToMessageDecoder {
  private enum State {
    FIRST,
    PARAMETERS,
    PARAMETERS_END,
    COLUMNS,
    COLUMNS_END,
    ROWS
  }

  private final MysqlSession session;
  private final boolean deprecateEof;
  private final int resultRows;
  private State state = State.FIRST;
  private int left;
  private final List<ColumnDefinition41> columns = new ArrayList<>();
  private RowMasks masks;
  private long rows;
  private long dropped;
  private long affected;
  private final List<AuditEvent.Result> results = new ArrayList<>();
  private final List<List<String>> captured = new ArrayList<>();
  private final List<String> messages = new ArrayList<>();

  /** What may not reach the client yet (run slices and Warden's own packets), in order. */
  private final List<Object> withheld = new ArrayList<>();

  /**
   * The packet being handled: a view into the input, neither retained nor released. Sending it
   * unchanged extends the run of bytes forwarded as they came; anything else ends the run first.
   */
  private Packet current;

  /** Where {@link #current}'s header starts in the input. */
  private int currentStart;

  /** Whether {@link #current} is a view into the input (else a joined split packet). */
  private boolean currentIsView;

  /** Whether a joined split packet was written on (and so released by the encoder). */
  private boolean currentEmitted;

  private ByteBuf input;
  private int runStart = -1;
  private int runEnd;

  /** The parts of a 16 MiB split packet read so far (joined, then handled like any packet). */
  private io.netty.buffer.CompositeByteBuf split;

  private int splitSequenceId;
  private long started = System.nanoTime();

  BackendResults(MysqlSession session) {
    this.session = session;
    this.deprecateEof = Capabilities.has(session.capabilities, Capabilities.DEPRECATE_EOF);
    // Results are kept for the audit trail only when it is a store (as the PostgreSQL door does).
    this.resultRows =
        session.door.server.pipeline().writeAhead()
            ? session.door.server.config().audit().resultRows()
            : 0;
  }

  /**
   * Frames the database's stream in place: each whole packet is handled as a view into the input;
   * the runs of packets that go on unchanged are written as slices of the input, so a result the
   * policy leaves alone is forwarded as the bytes that came, one write per read.
   */
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    input = in;
    try {
      while (in.readableBytes() >= 4 && session.client.isActive()) {
        int start = in.readerIndex();
        int length = in.getUnsignedMediumLE(start);
        int sequenceId = in.getUnsignedByte(start + 3);
        if (in.readableBytes() < 4 + length) {
          if (4L + length > BackendLogin.MAX_BACKEND_PACKET) {
            throw new io.netty.handler.codec.TooLongFrameException(
                "a packet of " + length + " bytes from the database");
          }
          return;
        }
        if (length == Packet.MAX_PHYSICAL || split != null) {
          splitPart(ctx, in, start, length, sequenceId);
          continue;
        }
        Packet packet = new Packet(sequenceId, in.slice(start + 4, length));
        currentStart = start;
        handle(packet, true);
        in.readerIndex(start + 4 + length);
      }
    } finally {
      flushRun();
      input = null;
    }
  }

  /** A part of a packet of 16 MiB or more: joined with the others, then handled as a copy. */
  private void splitPart(ChannelHandlerContext ctx, ByteBuf in, int start, int length, int id) {
    flushRun();
    if (split == null) {
      split = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
      splitSequenceId = id;
    }
    split.addComponent(true, in.retainedSlice(start + 4, length));
    in.readerIndex(start + 4 + length);
    if (split.readableBytes() > BackendLogin.MAX_BACKEND_PACKET) {
      throw new io.netty.handler.codec.TooLongFrameException("a split packet from the database");
    }
    if (length < Packet.MAX_PHYSICAL) {
      Packet whole = new Packet(splitSequenceId, split);
      split = null;
      // Not a view of the input: written (and released) as a packet of its own when it goes on.
      handle(whole, false);
    }
  }

  private void handle(Packet packet, boolean view) {
    MysqlSession.InFlight command = session.inFlight.peek();
    if (command == null) {
      failSession(
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION,
              "the database sent a response no command asked for",
              null));
      return;
    }
    current = packet;
    currentIsView = view;
    currentEmitted = false;
    try {
      if (command.kind() == MysqlSession.Kind.INTERNAL) {
        internal(command, packet);
      } else {
        respond(command, packet);
      }
    } catch (RuntimeException e) {
      failSession(
          new WardenException(
              ErrorCode.INTERNAL, "a response from the database could not be read: " + e, null));
    } finally {
      if (!view && !currentEmitted) {
        packet.release();
      }
      current = null;
    }
  }

  /** Warden's own statement: its OK goes nowhere; its failure ends the session (fail closed). */
  private void internal(MysqlSession.InFlight command, Packet packet) {
    {
      if (!OkPacket.is(packet)) {
        String why =
            ErrPacket.is(packet)
                ? ErrPacket.decode(packet.payload().duplicate()).message()
                : "an unexpected response";
        failSession(
            new WardenException(
                ErrorCode.INTERNAL,
                "Warden's own statement (around a guarded write, or restoring the session's"
                    + " sql_mode after a reset) failed: "
                    + why,
                "nothing Warden began was committed; reconnect and retry"));
        return;
      }
      session.status = OkPacket.decode(packet.payload().duplicate()).status();
      session.inFlight.poll();
      // Its bytes are not the client's: they end any run.
      flushRun();
      command.then().accept(packet);
    }
  }

  private void respond(MysqlSession.InFlight command, Packet packet) {
    switch (state) {
      case FIRST -> first(command, packet);
      case PARAMETERS -> {
        send(command, packet);
        if (--left == 0) {
          state = deprecateEof ? afterParameters(command) : State.PARAMETERS_END;
          if (state == State.FIRST) {
            done(command, null);
          }
        }
      }
      case PARAMETERS_END -> {
        send(command, packet);
        state = afterParameters(command);
        if (state == State.FIRST) {
          done(command, null);
        }
      }
      case COLUMNS -> {
        ColumnDefinition41 column = ColumnDefinition41.decode(packet.payload().duplicate());
        columns.add(column);
        send(command, packet);
        if (--left == 0) {
          if (command.kind() == MysqlSession.Kind.PREPARE) {
            command.prepared().columns.addAll(columns);
            if (deprecateEof) {
              done(command, null);
            } else {
              state = State.COLUMNS_END;
            }
            return;
          }
          masks = masks(command);
          state = deprecateEof ? State.ROWS : State.COLUMNS_END;
        }
      }
      case COLUMNS_END -> {
        if (command.kind() == MysqlSession.Kind.PREPARE) {
          send(command, packet);
          done(command, null);
          return;
        }
        int status = EofPacket.decode(packet.payload().duplicate()).status();
        send(command, packet);
        if (opensCursor(command, status)) {
          session.status = status;
          openCursor(command);
        } else {
          state = State.ROWS;
        }
      }
      case ROWS -> rows(command, packet);
    }
  }

  private State afterParameters(MysqlSession.InFlight command) {
    if (pendingColumns == 0) {
      return State.FIRST;
    }
    left = pendingColumns;
    return State.COLUMNS;
  }

  /** For a prepare: how many column definitions follow its parameters'. */
  private int pendingColumns;

  private void first(MysqlSession.InFlight command, Packet packet) {
    if (command.kind() == MysqlSession.Kind.FETCH) {
      fetching(command);
      rows(command, packet);
      return;
    }
    if (ErrPacket.is(packet)) {
      error(command, packet);
      return;
    }
    if (command.kind() == MysqlSession.Kind.FIELD_LIST) {
      // Column definitions (they start with the catalog "def", never 0xFE) until the EOF.
      send(command, packet);
      if (packet.header() == 0xFE) {
        done(command, null);
      }
      return;
    }
    if (command.kind() == MysqlSession.Kind.STATISTICS) {
      send(command, packet);
      done(command, null);
      return;
    }
    if (command.kind() == MysqlSession.Kind.PREPARE) {
      prepared(command, packet);
      return;
    }
    if (OkPacket.is(packet)) {
      ok(command, packet);
      return;
    }
    if (packet.header() == 0xFB) {
      // LOCAL INFILE: never offered to the database, so never expected.
      failSession(
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION, "the database asked for a local file", null));
      return;
    }
    long count = Wire.readLengthEncoded(packet.payload().duplicate());
    if (count <= 0 || count > 4096) {
      failSession(
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION, "a result set of " + count + " columns", null));
      return;
    }
    columns.clear();
    captured.clear();
    left = (int) count;
    state = State.COLUMNS;
    send(command, packet);
  }

  private void prepared(MysqlSession.InFlight command, Packet packet) {
    ComStmtPrepareOk ok = ComStmtPrepareOk.decode(packet.payload().duplicate());
    Prepared preparing = command.prepared();
    Prepared prepared = new Prepared(ok.statementId(), preparing.statement, ok.parameters());
    session.prepared.put(ok.statementId(), prepared);
    session.lastPrepared = prepared;
    // The in-flight entry now carries the prepared statement its definitions belong to.
    session.inFlight.poll();
    MysqlSession.InFlight now =
        new MysqlSession.InFlight(
            MysqlSession.Kind.PREPARE, null, null, prepared, 0, false, false, null);
    session.inFlight.addFirst(now);
    send(now, packet);
    columns.clear();
    pendingColumns = ok.columns();
    if (ok.parameters() > 0) {
      left = ok.parameters();
      state = State.PARAMETERS;
    } else if (ok.columns() > 0) {
      left = ok.columns();
      state = State.COLUMNS;
    } else {
      done(now, null);
    }
  }

  private void ok(MysqlSession.InFlight command, Packet packet) {
    OkPacket ok = OkPacket.decode(packet.payload().duplicate());
    session.status = ok.status();
    affected += ok.affectedRows();
    if ((ok.status() & ServerStatus.MORE_RESULTS_EXISTS) != 0) {
      send(command, packet);
      return;
    }
    if (command.schema() != null) {
      session.schema = command.schema();
    }
    if (command.guard() > 0) {
      guarded(command, packet, ok);
      return;
    }
    send(command, packet);
    done(command, null);
  }

  /**
   * A guarded write's OK: over its limit, Warden rolls back and the client gets an error instead;
   * within it, Warden commits (or releases its savepoint) and then the client gets its OK.
   */
  private void guarded(MysqlSession.InFlight command, Packet packet, OkPacket ok) {
    String verb = command.verdict().admission().statement().parts().getFirst().verb();
    String rule = command.verdict().admission().decision().rule();
    int sequenceId = packet.sequenceId();
    done(command, null, false);
    flushRun();
    if (ok.affectedRows() > command.guard()) {
      session.door.server.metrics().writeLimitExceeded();
      WardenException over =
          LimitMessages.overLimit(verb, ok.affectedRows(), command.guard(), rule);
      session.internal(
          command.began() ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT warden_guard",
          rolledBack -> {
            emit(new Packet(sequenceId, MysqlErrors.err(over).encode()));
            session.client.flush();
            session.commandDone();
          });
      return;
    }
    session.internal(
        command.began() ? "COMMIT" : "RELEASE SAVEPOINT warden_guard",
        committed -> {
          // The client's OK, with the session's state after Warden's commit.
          OkPacket after =
              new OkPacket(ok.affectedRows(), ok.lastInsertId(), session.status, ok.warnings(), "");
          emit(new Packet(sequenceId, after.encode()));
          session.client.flush();
          session.commandDone();
        });
  }

  private void rows(MysqlSession.InFlight command, Packet packet) {
    if (ErrPacket.is(packet)) {
      error(command, packet);
      return;
    }
    if (OkPacket.endsRows(packet)) {
      int status =
          deprecateEof
              ? OkPacket.decode(packet.payload().duplicate()).status()
              : EofPacket.decode(packet.payload().duplicate()).status();
      session.status = status;
      if (command.kind() == MysqlSession.Kind.FETCH) {
        fetched(command, packet, status);
        return;
      }
      if (opensCursor(command, status)) {
        send(command, packet);
        openCursor(command);
        return;
      }
      endResult();
      Packet end = packet;
      if (command.showWarnings() && !session.warnings.isEmpty()) {
        end = withWardenWarnings(command, packet);
      } else if (dropped > 0 && (status & ServerStatus.MORE_RESULTS_EXISTS) == 0) {
        end = counted(packet, 1);
      }
      send(command, end);
      if ((status & ServerStatus.MORE_RESULTS_EXISTS) != 0) {
        state = State.FIRST;
      } else {
        done(command, null);
      }
      return;
    }
    long limit = command.verdict() == null ? 0 : command.verdict().limits().maxRowsReturned();
    if (limit > 0 && rows >= limit) {
      if (dropped++ == 0) {
        session.door.server.metrics().rowLimitExceeded();
        session.warnings.add(
            LimitMessages.truncated(limit, command.verdict().admission().decision().rule()));
      }
      // Not forwarded: the run of bytes that go on ends before it.
      flushRun();
      return;
    }
    rows++;
    boolean capture = command.verdict() != null && captured.size() < resultRows;
    List<String> seen = capture ? new ArrayList<>(columns.size()) : null;
    Packet out;
    if (command.prepared() != null) {
      out =
          masks != null
              ? masks.binary(packet, seen)
              : capture ? RowMasks.binary(columns, packet, seen, null) : packet;
    } else {
      out = masks != null ? masks.text(packet, seen) : capture ? textSeen(packet, seen) : packet;
    }
    if (seen != null) {
      captured.add(seen);
    }
    send(command, out);
  }

  private Packet textSeen(Packet packet, List<String> seen) {
    ByteBuf in = packet.payload().duplicate();
    for (int i = 0; i < columns.size(); i++) {
      seen.add(Wire.readLengthEncodedString(in));
    }
    return packet;
  }

  /** The end of a result with its warning count raised by {@code more}. */
  private Packet counted(Packet end, int more) {
    ByteBuf payload = end.payload();
    int at = payload.readerIndex() + 1;
    if (!deprecateEof) {
      payload.setShortLE(at, payload.getUnsignedShortLE(at) + more);
      return end;
    }
    ByteBuf in = payload.duplicate();
    in.skipBytes(1);
    Wire.readLengthEncoded(in);
    Wire.readLengthEncoded(in);
    int warningsAt = in.readerIndex() + 2;
    payload.setShortLE(warningsAt, payload.getUnsignedShortLE(warningsAt) + more);
    return end;
  }

  /** SHOW WARNINGS' rows, then Warden's own (Level, Code, Message), then its end. */
  private Packet withWardenWarnings(MysqlSession.InFlight command, Packet end) {
    int sequenceId = end.sequenceId();
    for (String warning : session.warnings) {
      ByteBuf row = Unpooled.buffer();
      Wire.writeLengthEncoded(row, "Warning");
      Wire.writeLengthEncoded(row, "1105");
      Wire.writeLengthEncoded(row, "warden: " + warning);
      send(command, new Packet(sequenceId++, row));
      rows++;
    }
    session.warnings.clear();
    return Packet.of(sequenceId, io.netty.buffer.ByteBufUtil.getBytes(end.payload()));
  }

  /** The masks of the result whose columns were just described, or null when none applies. */
  private RowMasks masks(MysqlSession.InFlight command) {
    if (command.verdict() == null || command.verdict().masking() == null) {
      return null;
    }
    List<ResultMasks.Column> described = new ArrayList<>(columns.size());
    ColumnCatalog catalog = session.door.server.catalogs().columns(session.connection.name());
    for (ColumnDefinition41 c : columns) {
      described.add(MysqlCatalog.describe(c, session.schema, catalog));
    }
    ResultMasks result =
        ResultMasks.of(
            described, command.verdict().masking(), catalog, command.verdict().outputs());
    if (result != null && result.uncatalogued()) {
      MysqlCatalog.refreshSoon(session);
    }
    return result == null ? null : new RowMasks(columns, result);
  }

  private void endResult() {
    if (!columns.isEmpty()) {
      results.add(
          new AuditEvent.Result(
              columns.stream().map(ColumnDefinition41::name).toList(),
              List.copyOf(captured),
              null));
    }
    columns.clear();
    captured.clear();
  }

  private void error(MysqlSession.InFlight command, Packet packet) {
    ErrPacket err = ErrPacket.decode(packet.payload().duplicate());
    String sqlState = err.sqlState() == null ? "HY000" : err.sqlState();
    boolean masked = command.verdict() != null && command.verdict().masking() != null;
    String text =
        ErrorRedaction.scrub(sqlState, masked, ErrorRedaction.Part.MESSAGE, err.message());
    Packet out = packet;
    if (!text.equals(err.message())) {
      out =
          new Packet(packet.sequenceId(), new ErrPacket(err.code(), err.sqlState(), text).encode());
    }
    messages.add(sqlState + ": " + text);
    if (command.kind() == MysqlSession.Kind.FETCH) {
      send(command, out);
      Prepared statement = command.prepared();
      if (statement.cursor != null) {
        statement.cursor.messages.add(sqlState + ": " + text);
      }
      session.closeCursor(statement, sqlState);
      finish(true);
      return;
    }
    endResult();
    if (command.guard() > 0) {
      // The guarded write failed: end Warden's own transaction (or savepoint) before the client
      // hears of it.
      done(command, sqlState, false);
      flushRun();
      Packet failed =
          out == packet
              ? Packet.of(
                  packet.sequenceId(), io.netty.buffer.ByteBufUtil.getBytes(packet.payload()))
              : out;
      session.internal(
          command.began() ? "ROLLBACK" : "ROLLBACK TO SAVEPOINT warden_guard",
          rolledBack -> {
            emit(failed);
            session.client.flush();
            session.commandDone();
          });
      return;
    }
    send(command, out);
    done(command, sqlState);
  }

  private void send(MysqlSession.InFlight command, Packet packet) {
    var durable = command.verdict() == null ? null : command.verdict().durable();
    if (durable != null && !durable.isDone() && waitingFor.add(durable)) {
      // From here on nothing reaches the client until this record (and any before it) is durable;
      // what came before goes now.
      flushRun();
      durable.whenComplete(
          (ok, failure) -> session.client.eventLoop().execute(() -> durable(durable, failure)));
    }
    if (packet == current && currentIsView) {
      // Unchanged: its bytes (header and payload) join the run forwarded as they came.
      int start = currentStart;
      if (runStart >= 0 && runEnd != start) {
        flushRun();
      }
      if (runStart < 0) {
        runStart = start;
      }
      runEnd = start + 4 + packet.length();
      return;
    }
    flushRun();
    if (packet == current) {
      currentEmitted = true;
    }
    emit(packet);
  }

  /** The records whose durability the withheld output waits for. */
  private final java.util.Set<java.util.concurrent.CompletableFuture<Void>> waitingFor =
      new java.util.HashSet<>();

  private void durable(java.util.concurrent.CompletableFuture<Void> record, Throwable failure) {
    waitingFor.remove(record);
    if (failure != null) {
      release(failure);
    } else if (waitingFor.isEmpty()) {
      release(null);
    }
  }

  /** Writes the run of unchanged packets as one slice of the input. */
  private void flushRun() {
    if (runStart < 0) {
      return;
    }
    ByteBuf slice = input.retainedSlice(runStart, runEnd - runStart);
    runStart = -1;
    emit(slice);
  }

  /** To the client now, or once every record it waits for is durable. */
  private void emit(Object message) {
    if (!waitingFor.isEmpty() || !withheld.isEmpty()) {
      withheld.add(message);
      if (withheld.size() > 4096) {
        session.database.config().setAutoRead(false);
      }
      return;
    }
    session.client.write(message);
  }

  private void release(Throwable failure) {
    if (failure != null) {
      withheld.forEach(io.netty.util.ReferenceCountUtil::release);
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

  /** Whether an execute's result ends its metadata with a cursor the database holds open. */
  private static boolean opensCursor(MysqlSession.InFlight command, int status) {
    return command.kind() == MysqlSession.Kind.QUERY
        && command.verdict() != null
        && command.prepared() != null
        && command.prepared().cursorRequested
        && (status & ServerStatus.CURSOR_EXISTS) != 0;
  }

  /**
   * The execute's columns are described and its rows wait in the database's cursor: the statement
   * stays open (its masks, count and captured rows kept with the prepared statement) and is
   * recorded when the cursor ends; the client may send its fetches.
   */
  private void openCursor(MysqlSession.InFlight command) {
    Prepared statement = command.prepared();
    statement.cursorRequested = false;
    Prepared.Cursor cursor = new Prepared.Cursor(command.verdict(), columns, masks, started);
    cursor.rows = rows;
    cursor.dropped = dropped;
    cursor.captured.addAll(captured);
    cursor.messages.addAll(messages);
    statement.cursor = cursor;
    finish(true);
  }

  /** A fetch's rows continue its cursor's result: its columns, masks, count and captured rows. */
  private void fetching(MysqlSession.InFlight command) {
    Prepared.Cursor cursor = command.prepared().cursor;
    state = State.ROWS;
    if (cursor == null) {
      return;
    }
    columns.addAll(cursor.columns);
    masks = cursor.masks;
    rows = cursor.rows;
    dropped = cursor.dropped;
    captured.addAll(cursor.captured);
  }

  /**
   * A fetch's end: what it added is kept with the cursor; a cursor the database no longer holds
   * (its last row sent) is recorded now.
   */
  private void fetched(MysqlSession.InFlight command, Packet packet, int status) {
    Prepared statement = command.prepared();
    Prepared.Cursor cursor = statement.cursor;
    if (cursor != null) {
      cursor.rows = rows;
      cursor.dropped = dropped;
      cursor.captured.clear();
      cursor.captured.addAll(captured);
    }
    send(command, dropped > 0 ? counted(packet, 1) : packet);
    if ((status & ServerStatus.CURSOR_EXISTS) == 0 || (status & ServerStatus.LAST_ROW_SENT) != 0) {
      session.closeCursor(statement, null);
    }
    finish(true);
  }

  private void done(MysqlSession.InFlight command, String sqlState) {
    done(command, sqlState, true);
  }

  /** The command ended: its outcome recorded; {@code resume}: the client may send the next one. */
  private void done(MysqlSession.InFlight command, String sqlState, boolean resume) {
    if (command.verdict() != null) {
      long micros = (System.nanoTime() - started) / 1000;
      session.admissions.completed(
          command.verdict().admission(),
          rows > 0 ? rows : affected,
          sqlState,
          new ResultSeen(results, messages, affected > 0 ? affected : -1, micros));
    }
    finish(resume);
  }

  /** The command in flight ended (its outcome recorded, or kept with its cursor). */
  private void finish(boolean resume) {
    session.inFlight.poll();
    state = State.FIRST;
    rows = 0;
    dropped = 0;
    affected = 0;
    pendingColumns = 0;
    results.clear();
    messages.clear();
    columns.clear();
    captured.clear();
    masks = null;
    started = System.nanoTime();
    if (withheld.isEmpty()) {
      session.client.flush();
    }
    if (resume) {
      session.commandDone();
    }
  }

  private void failSession(WardenException e) {
    MysqlErrors.failAndClose(session.client, 1, e);
    session.database.close();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    super.channelReadComplete(ctx);
    if (withheld.isEmpty()) {
      session.client.flush();
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (split != null) {
      split.release();
      split = null;
    }
    withheld.forEach(io.netty.util.ReferenceCountUtil::release);
    withheld.clear();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    session.broken(cause, false);
  }
}
