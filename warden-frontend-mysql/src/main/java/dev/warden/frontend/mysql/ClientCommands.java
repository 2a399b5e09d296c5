package dev.warden.frontend.mysql;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.Verdict;
import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.protocol.mysql.message.Command;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.ProtocolViolation;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The client's commands, one at a time: a statement (COM_QUERY, COM_INIT_DB) is analysed and
 * admitted by the kernel, then forwarded unchanged or answered with an ERR naming the rule; the
 * protocol's own small commands go on; what Warden cannot yet carry out faithfully is refused with
 * an error that says what to do instead. Reading stops while a command is out, so every response
 * belongs to the one command in flight.
 */
final class ClientCommands extends ChannelInboundHandlerAdapter {
  private final MysqlSession session;

  ClientCommands(MysqlSession session) {
    this.session = session;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Packet packet = (Packet) msg;
    if (packet.sequenceId() != 0) {
      packet.release();
      fail(ctx, "a command must start with sequence id 0");
      return;
    }
    Command command;
    try {
      command = Command.decode(packet.payload().duplicate());
    } catch (ProtocolViolation e) {
      packet.release();
      fail(ctx, e.getMessage());
      return;
    }
    switch (command) {
      case Command.ComQuit q -> {
        packet.release();
        ctx.close();
      }
      case Command.ComQuery q -> admit(ctx, packet, q.sql(), MysqlSession.Kind.QUERY, null);
      case Command.ComInitDb db ->
          admit(
              ctx,
              packet,
              "USE `" + db.schema().replace("`", "``") + "`",
              MysqlSession.Kind.SIMPLE,
              db.schema());
      case Command.ComPing p -> forward(packet, MysqlSession.Kind.SIMPLE, null);
      case Command.ComResetConnection r -> {
        session.schema = session.connection.database();
        forward(packet, MysqlSession.Kind.SIMPLE, null);
      }
      case Command.ComSetOption o -> forward(packet, MysqlSession.Kind.SIMPLE, null);
      case Command.ComStatistics s -> forward(packet, MysqlSession.Kind.STATISTICS, null);
      case Command.ComStmtPrepare p ->
          refuse(
              packet,
              new WardenException(
                  ErrorCode.FEATURE_NOT_SUPPORTED,
                  "server-side prepared statements are not carried by Warden's MySQL door yet",
                  "prepare on the client (Connector/J useServerPrepStmts=false, the default)"));
      default ->
          refuse(
              packet,
              new WardenException(
                  ErrorCode.FEATURE_NOT_SUPPORTED,
                  "command 0x"
                      + Integer.toHexString(command.code())
                      + " is not allowed through Warden",
                  "use a SQL statement instead (SHOW COLUMNS, KILL QUERY, ...)"));
    }
  }

  private void admit(
      ChannelHandlerContext ctx, Packet packet, String sql, MysqlSession.Kind kind, String schema) {
    ctx.channel().config().setAutoRead(false);
    session
        .admissions
        .admit(session.analyze(sql), BoundParameters.NONE, true)
        .whenComplete(
            (verdict, failure) -> {
              if (!session.client.isActive()) {
                packet.release();
                return;
              }
              if (failure != null) {
                packet.release();
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                WardenException e =
                    cause instanceof WardenException w
                        ? w
                        : new WardenException(ErrorCode.INTERNAL, "admission failed", null, cause);
                MysqlErrors.failAndClose(session.client, 1, e);
                return;
              }
              switch (verdict) {
                case Verdict.Run run -> {
                  String next = schema;
                  if (next == null) {
                    next = useTarget(run);
                  }
                  forward(packet, kind, run, next);
                }
                case Verdict.Refuse refuse -> {
                  // The kernel recorded the refusal with its rule.
                  refuse(packet, MysqlErrors.denial(refuse.deny()));
                }
              }
            });
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

  private void forward(Packet packet, MysqlSession.Kind kind, Verdict.Run run) {
    forward(packet, kind, run, null);
  }

  private void forward(Packet packet, MysqlSession.Kind kind, Verdict.Run run, String schema) {
    session.client.config().setAutoRead(false);
    session.inFlight.add(new MysqlSession.InFlight(kind, run, schema));
    session.database.writeAndFlush(packet);
  }

  private void refuse(Packet packet, WardenException e) {
    int sequenceId = packet.lastSequenceId() + 1;
    packet.release();
    session.client.writeAndFlush(new Packet(sequenceId, MysqlErrors.err(e).encode()));
    session.client.config().setAutoRead(true);
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    MysqlErrors.failAndClose(
        ctx.channel(), 1, new WardenException(ErrorCode.PROTOCOL_VIOLATION, why, null));
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.database.close();
    ctx.fireChannelInactive();
  }
}
