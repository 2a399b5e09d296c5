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
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.ProtocolViolation;
import dev.warden.protocol.mysql.message.ServerStatus;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
      case Command.ComQuery q -> statement(packet, session.analyze(q.sql()), null, null);
      case Command.ComInitDb db ->
          statement(
              packet,
              session.analyze("USE `" + db.schema().replace("`", "``") + "`"),
              db.schema(),
              null);
      case Command.ComPing p -> forward(packet, MysqlSession.InFlight.simple());
      case Command.ComResetConnection r -> {
        session.schema = session.connection.database();
        session.prepared.clear();
        session.lastPrepared = null;
        forward(packet, MysqlSession.InFlight.simple());
      }
      case Command.ComSetOption o -> forward(packet, MysqlSession.InFlight.simple());
      case Command.ComStatistics s ->
          forward(packet, MysqlSession.InFlight.of(MysqlSession.Kind.STATISTICS));
      case Command.ComStmtPrepare p -> prepare(packet, p.sql());
      case Command.ComStmtExecuteHeader e -> execute(packet, e.statementId());
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
    session
        .admissions
        .admit(statement, parameters, true)
        .whenComplete(
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
                case Verdict.Run run -> run(packet, run, schema, prepared, showWarnings);
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
    if ((execute.flags() & CURSOR_FLAGS) != 0) {
      refuse(
          packet,
          new WardenException(
              ErrorCode.FEATURE_NOT_SUPPORTED,
              "server-side cursors (COM_STMT_FETCH) are not carried by Warden",
              "fetch the whole result (Connector/J: useCursorFetch=false, the default)"));
      return;
    }
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
