package dev.warden.frontend.mysql;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.Verdict;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.policy.Decision;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.protocol.mysql.message.BinaryValues;
import dev.warden.protocol.mysql.message.ComStmtExecute;
import dev.warden.protocol.mysql.message.Command;
import dev.warden.protocol.mysql.message.OkPacket;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.ProtocolViolation;
import dev.warden.protocol.mysql.message.ServerStatus;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client's commands, one at a time: a statement (COM_QUERY, COM_INIT_DB, COM_STMT_EXECUTE) is
 * analysed and admitted by the kernel, then forwarded unchanged or answered with an ERR naming the
 * rule; a prepare is analysed and refused at once when the policy refuses its statement; the
 * protocol's own small commands go on; what Warden cannot carry out faithfully is refused with an
 * error that says what to do instead. Reading stops while a command is out, so every response
 * belongs to the one command in flight.
 */
final class ClientCommands extends ChannelInboundHandlerAdapter {
  /** Execute flags that open a cursor (rows then come by COM_STMT_FETCH). */
  private static final int CURSOR_FLAGS = 0x07;

  private final MysqlSession session;

  ClientCommands(MysqlSession session) {
    this.session = session;
  }

  /**
   * A command arrived: it waits its turn. Clients pipeline (MariaDB Connector/J sends its setup
   * statements, or a prepare and its execute, together), and a statement's verdict may come later
   * than the next one's, so commands are taken strictly one after another.
   */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (session.userChange != null && session.userChange.awaitingPassword()) {
      session.userChange.password((Packet) msg);
      return;
    }
    session.waiting.add((Packet) msg);
    if (session.waiting.size() > MysqlSession.MAX_WAITING) {
      ctx.channel().config().setAutoRead(false);
    }
    session.next();
  }

  /** Takes the next command (called by the session when it is its turn). */
  void take(Packet packet) {
    if (packet.sequenceId() != 0) {
      packet.release();
      fail("a command must start with sequence id 0");
      return;
    }
    Command command;
    try {
      command = Command.decode(packet.payload().duplicate());
    } catch (ProtocolViolation e) {
      packet.release();
      fail(e.getMessage());
      return;
    }
    try {
      dispatch(packet, command);
    } catch (ProtocolViolation e) {
      packet.release();
      fail(e.getMessage());
    }
  }

  private void dispatch(Packet packet, Command command) {
    switch (command) {
      case Command.ComQuit q -> {
        packet.release();
        session.client.close();
      }
      case Command.ComQuery q -> {
        Statement statement = session.analyze(q.sql());
        if (!kill(packet, statement)) {
          statement(packet, statement, null, null);
        }
      }
      case Command.ComFieldList f -> fieldList(packet, f.table());
      case Command.ComInitDb db ->
          statement(
              packet,
              session.analyze("USE `" + db.schema().replace("`", "``") + "`"),
              db.schema(),
              null);
      case Command.ComPing p -> forward(packet, MysqlSession.InFlight.simple());
      case Command.ComResetConnection r -> reset(packet);
      case Command.ComChangeUser c -> {
        session.userChange = new UserChange(session);
        session.userChange.begin(packet);
      }
      case Command.ComSetOption o -> forward(packet, MysqlSession.InFlight.simple());
      case Command.ComStatistics s ->
          forward(packet, MysqlSession.InFlight.of(MysqlSession.Kind.STATISTICS));
      case Command.ComStmtPrepare p -> prepare(packet, p.sql());
      case Command.ComStmtExecuteHeader e -> execute(packet, e.statementId());
      case Command.ComStmtFetch f -> fetch(packet, f.statementId());
      case Command.ComStmtSendLongData d -> {
        Prepared prepared = prepared(d.statementId());
        if (prepared != null && d.parameter() < prepared.parameters) {
          if (prepared.longData[d.parameter()] == null) {
            prepared.longData[d.parameter()] = new ByteArrayOutputStream();
          }
          ByteArrayOutputStream data = prepared.longData[d.parameter()];
          if (data.size() + d.data().length
              > session.door.server.config().limits().maxMessageBytes()) {
            packet.release();
            fail("a parameter's long data is over limits.maxMessageBytes");
            return;
          }
          data.writeBytes(d.data());
        }
        // No response: the client goes on at once.
        session.database.writeAndFlush(packet);
        session.commandDone();
      }
      case Command.ComStmtClose c -> {
        Prepared closed = session.prepared.remove(c.statementId());
        if (closed != null) {
          session.closeCursor(closed, null);
        }
        if (closed != null && closed == session.lastPrepared) {
          session.lastPrepared = null;
        }
        session.database.writeAndFlush(packet);
        session.commandDone();
      }
      case Command.ComStmtReset r -> {
        Prepared prepared = prepared(r.statementId());
        if (prepared != null) {
          prepared.resetLongData();
          session.closeCursor(prepared, null);
        }
        forward(packet, MysqlSession.InFlight.simple());
      }
      default ->
          refuse(
              packet,
              new WardenException(
                  ErrorCode.FEATURE_NOT_SUPPORTED,
                  "command 0x"
                      + Integer.toHexString(command.code())
                      + " is not allowed through Warden",
                  "use a SQL statement instead (SHOW COLUMNS, KILL QUERY, a new connection)"));
    }
  }

  /**
   * COM_RESET_CONNECTION: the database resets the session (variables, transaction, temporary
   * tables, prepared statements) but keeps its default schema, so Warden does too; the reset brings
   * back the server's global sql_mode, so Warden removes the modes that change how text is read
   * again before the client hears the OK (as at the session's start).
   */
  private void reset(Packet packet) {
    int sequenceId = packet.lastSequenceId() + 1;
    packet.release();
    session.internalCommand(
        new byte[] {(byte) Command.COM_RESET_CONNECTION},
        reset -> {
          session.prepared.values().forEach(p -> session.closeCursor(p, null));
          session.prepared.clear();
          session.lastPrepared = null;
          session.warnings.clear();
          session.internal(
              session.door.readableModeStatement(),
              readable -> {
                session.client.writeAndFlush(
                    new Packet(sequenceId, new OkPacket(0, 0, session.status, 0, "").encode()));
                session.commandDone();
              });
        });
  }

  /**
   * COM_FIELD_LIST (the mysql client's column-name completion): decided as the statement that says
   * the same, {@code SHOW COLUMNS FROM table} in the session's schema (its wildcard only narrows
   * the list), then forwarded as sent.
   */
  private void fieldList(Packet packet, String table) {
    Statement statement = session.analyze("SHOW COLUMNS FROM `" + table.replace("`", "``") + "`");
    decided(
        packet,
        session.admissions.admit(statement, BoundParameters.NONE, true),
        run ->
            forward(
                packet,
                new MysqlSession.InFlight(
                    MysqlSession.Kind.FIELD_LIST, run, null, null, 0, false, false, null)));
  }

  private static final Pattern KILL =
      Pattern.compile(
          "\\s*KILL\\s+(?:(QUERY|CONNECTION)\\s+)?(\\d{1,10})\\s*;?\\s*", Pattern.CASE_INSENSITIVE);

  /**
   * {@code KILL [QUERY|CONNECTION] n} alone, where {@code n} is a connection id Warden gave a
   * client (what drivers send to cancel a statement, from a second connection): the kernel allows
   * it on the caller's own sessions only, and Warden then sends it with the database's thread id of
   * the target. Any other KILL is decided as a statement (the built-in guard refuses it). Returns
   * whether the statement was such a KILL.
   */
  private boolean kill(Packet packet, Statement statement) {
    if (statement.parts().size() != 1 || !statement.parts().getFirst().verb().startsWith("KILL")) {
      return false;
    }
    Matcher m = KILL.matcher(statement.text());
    if (!m.matches()) {
      return false;
    }
    boolean query = "QUERY".equalsIgnoreCase(m.group(1));
    MysqlSession target = session.door.sessionsById.get(Long.parseLong(m.group(2)));
    decided(
        packet,
        session.admissions.admitOnSession(statement, target == null ? null : target.context),
        run -> {
          packet.release();
          byte[] text =
              ("KILL " + (query ? "QUERY " : "CONNECTION ") + target.backendThreadId)
                  .getBytes(StandardCharsets.US_ASCII);
          byte[] payload = new byte[text.length + 1];
          payload[0] = (byte) Command.COM_QUERY;
          System.arraycopy(text, 0, payload, 1, text.length);
          forward(
              Packet.of(0, payload),
              new MysqlSession.InFlight(
                  MysqlSession.Kind.QUERY, run, null, null, 0, false, false, null));
        });
    return true;
  }

  private Prepared prepared(long id) {
    return id == MysqlSession.LAST_PREPARED ? session.lastPrepared : session.prepared.get(id);
  }

  /** COM_QUERY or COM_INIT_DB: admitted by the kernel, then forwarded or refused. */
  private void statement(Packet packet, Statement statement, String schema, Prepared prepared) {
    admit(packet, statement, BoundParameters.NONE, schema, prepared);
  }

  private void admit(
      Packet packet,
      Statement statement,
      BoundParameters parameters,
      String schema,
      Prepared prepared) {
    boolean showWarnings = showWarnings(statement);
    if (!showWarnings) {
      session.warnings.clear();
    }
    decided(
        packet,
        session.admissions.admit(statement, parameters, true),
        run -> run(packet, run, schema, prepared, showWarnings));
  }

  /**
   * The kernel's verdict on a command's statement: {@code run} carries out one it allows; a refusal
   * (already recorded by the kernel with its rule) answers the client with an ERR.
   */
  private void decided(
      Packet packet, CompletableFuture<Verdict> decision, Consumer<Verdict.Run> onRun) {
    decision.whenComplete(
        (verdict, failure) -> {
          if (!session.client.isActive()) {
            packet.release();
            return;
          }
          if (failure != null) {
            packet.release();
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            MysqlErrors.failAndClose(
                session.client,
                1,
                cause instanceof WardenException w
                    ? w
                    : new WardenException(ErrorCode.INTERNAL, "admission failed", null, cause));
            return;
          }
          switch (verdict) {
            case Verdict.Run run -> onRun.accept(run);
            // The kernel recorded the refusal with its rule.
            case Verdict.Refuse refuse -> refuse(packet, MysqlErrors.denial(refuse.deny()));
          }
        });
  }

  private void run(
      Packet packet, Verdict.Run run, String schema, Prepared prepared, boolean showWarnings) {
    String next = schema != null ? schema : useTarget(run);
    long guard = run.writeLimit();
    if (guard > 0) {
      if (run.admission().statement().parts().size() > 1) {
        refuse(
            packet,
            new WardenException(
                ErrorCode.FEATURE_NOT_SUPPORTED,
                "a write limited by maxRowsAffected must be a statement of its own",
                "send the statements one at a time"));
        return;
      }
      // The write's count is checked before it can commit: inside Warden's own transaction, or a
      // savepoint of the client's.
      boolean began = (session.status & ServerStatus.IN_TRANSACTION) == 0;
      session.internal(
          began ? "BEGIN" : "SAVEPOINT warden_guard",
          ok ->
              forward(
                  packet,
                  new MysqlSession.InFlight(
                      MysqlSession.Kind.QUERY, run, next, prepared, guard, began, false, null)));
      return;
    }
    forward(
        packet,
        new MysqlSession.InFlight(
            MysqlSession.Kind.QUERY, run, next, prepared, 0, false, showWarnings, null));
  }

  private static final java.util.regex.Pattern SHOW_WARNINGS =
      java.util.regex.Pattern.compile(
          "\\s*SHOW\\s+(WARNINGS|ERRORS)\\b.*",
          java.util.regex.Pattern.CASE_INSENSITIVE | java.util.regex.Pattern.DOTALL);

  private static boolean showWarnings(Statement statement) {
    return statement.parts().size() == 1
        && statement.parts().getFirst().verb().equals("SHOW")
        && SHOW_WARNINGS.matcher(statement.text()).matches();
  }

  /** The schema a USE statement moves the session to, or null when it is not a USE. */
  private static String useTarget(Verdict.Run run) {
    var parts = run.admission().statement().parts();
    if (parts.size() == 1 && parts.getFirst().verb().equals("USE")) {
      String text = run.admission().statement().text().trim();
      String name = text.replaceFirst("(?is)^use\\s+", "").replaceAll("[;\\s]+$", "");
      if (name.startsWith("`") && name.endsWith("`") && name.length() > 1) {
        name = name.substring(1, name.length() - 1).replace("``", "`");
      }
      return name;
    }
    return null;
  }

  /**
   * COM_STMT_PREPARE: the statement is analysed now; one the policy refuses outright is refused
   * (and recorded) at once, anything else is prepared and admitted at each execute.
   */
  private void prepare(Packet packet, String sql) {
    Statement statement = session.analyze(sql);
    Decision.Deny deny =
        statement.statementClass() == StatementClass.INVALID
            ? null
            : session.admissions.preview(statement);
    if (statement.statementClass() == StatementClass.INVALID || deny != null) {
      // Admitted for the record: the kernel refuses it with its rule.
      admit(packet, statement, BoundParameters.NONE, null, null);
      return;
    }
    forward(
        packet,
        new MysqlSession.InFlight(
            MysqlSession.Kind.PREPARE,
            null,
            null,
            new Prepared(-1, statement, 0),
            0,
            false,
            false,
            null));
  }

  /** COM_STMT_EXECUTE: its statement, with the parameters as sent, admitted like any other. */
  private void execute(Packet packet, long id) {
    Prepared prepared = prepared(id);
    if (prepared == null) {
      refuse(
          packet,
          new WardenException(
              ErrorCode.INVALID_PARAMETER,
              "unknown prepared statement " + id,
              "prepare it first on this connection"));
      return;
    }
    ComStmtExecute execute =
        ComStmtExecute.decode(
            packet.payload().duplicate(),
            prepared.parameters,
            prepared.types,
            prepared.hasLongData());
    // Executing it again closes its open cursor, in the database as here.
    session.closeCursor(prepared, null);
    prepared.cursorRequested = (execute.flags() & CURSOR_FLAGS) != 0;
    if (execute.newParamsBound()) {
      prepared.types = execute.types();
    }
    List<byte[]> values = new ArrayList<>(execute.values().size());
    for (int i = 0; i < execute.values().size(); i++) {
      byte[] value = execute.values().get(i);
      if (prepared.longData[i] != null) {
        value = prepared.longData[i].toByteArray();
      } else if (value != null) {
        String text = BinaryValues.text(execute.types()[i], value);
        value = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
      }
      values.add(value);
    }
    prepared.resetLongData();
    admit(
        packet,
        prepared.statement,
        new BoundParameters(List.of(), List.of(), values),
        null,
        prepared);
  }

  /**
   * COM_STMT_FETCH: more rows of the cursor an execute opened, under that execute's verdict (its
   * masks, its row limit, its record); a statement without an open cursor is answered here.
   */
  private void fetch(Packet packet, long id) {
    Prepared prepared = prepared(id);
    if (prepared == null || prepared.cursor == null) {
      refuse(
          packet,
          new WardenException(
              ErrorCode.INVALID_PARAMETER,
              "prepared statement " + id + " has no open cursor",
              "execute it with a cursor first (Connector/J: useCursorFetch=true and a fetch size)"));
      return;
    }
    forward(
        packet,
        new MysqlSession.InFlight(
            MysqlSession.Kind.FETCH,
            prepared.cursor.verdict,
            null,
            prepared,
            0,
            false,
            false,
            null));
  }

  private void forward(Packet packet, MysqlSession.InFlight command) {
    session.inFlight.add(command);
    session.database.writeAndFlush(packet);
  }

  private void refuse(Packet packet, WardenException e) {
    int sequenceId = packet.lastSequenceId() + 1;
    packet.release();
    session.client.writeAndFlush(new Packet(sequenceId, MysqlErrors.err(e).encode()));
    session.commandDone();
  }

  private void fail(String why) {
    MysqlErrors.failAndClose(
        session.client, 1, new WardenException(ErrorCode.PROTOCOL_VIOLATION, why, null));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.database.close();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    session.broken(cause, true);
  }
}
