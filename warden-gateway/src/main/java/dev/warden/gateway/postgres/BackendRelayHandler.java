package dev.warden.gateway.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.gateway.GatewayContext;
import dev.warden.gateway.postgres.InFlight.Kind;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.Target;
import dev.warden.protocol.postgres.message.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command phase, database to client: attributes each message to the in-flight entry that caused
 * it and forwards the original frame. Rows are counted by type byte, not decoded; only the few
 * messages that change state (ReadyForQuery, ErrorResponse) are. A response the queue does not
 * explain means Warden no longer knows what the database is doing: the session is closed.
 */
final class BackendRelayHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(BackendRelayHandler.class);

  private final GatewayContext context;
  private final Session session;

  BackendRelayHandler(GatewayContext context, Session session) {
    this.context = context;
    this.session = session;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    char type = Wire.type(frame);
    try {
      attribute(type, frame);
    } catch (RuntimeException e) {
      frame.release();
      throw e;
    }
    session.client.write(frame, session.client.voidPromise());
    if (type == ReadyForQuery.TYPE || type == 'E') {
      answerRefusals();
    }
  }

  private void attribute(char type, ByteBuf frame) {
    switch (type) {
      case 'D' -> expectHead(type, Kind.QUERY, Kind.EXECUTE).rows++;
      case 'T' -> {
        InFlight head = expectHead(type, Kind.QUERY, Kind.DESCRIBE_STATEMENT, Kind.DESCRIBE_PORTAL);
        if (head.kind != Kind.QUERY) {
          session.inFlight.poll();
        }
      }
      case 'C', 'I' -> {
        if (expectHead(type, Kind.QUERY, Kind.EXECUTE).kind == Kind.EXECUTE) {
          finish(session.inFlight.poll(), null);
        }
      }
      case 's' -> {
        expectHead(type, Kind.EXECUTE);
        finish(session.inFlight.poll(), null);
      }
      case 'G', 'H', 'W', 'd', 'c' -> expectHead(type, Kind.QUERY, Kind.EXECUTE);
      case '1' -> {
        InFlight parse = expectHead(type, Kind.PARSE);
        session.inFlight.poll();
        session.preparedStatements.put(parse.name, parse.statement);
      }
      case '2' -> {
        InFlight bind = expectHead(type, Kind.BIND);
        session.inFlight.poll();
        if (bind.statement == null) {
          session.portals.remove(bind.name);
        } else {
          session.portals.put(bind.name, bind.statement);
        }
      }
      case '3' -> {
        InFlight close = expectHead(type, Kind.CLOSE);
        session.inFlight.poll();
        (close.target == Target.STATEMENT ? session.preparedStatements : session.portals)
            .remove(close.name);
      }
      case 't' -> expectHead(type, Kind.DESCRIBE_STATEMENT);
      case 'n' -> {
        expectHead(type, Kind.DESCRIBE_STATEMENT, Kind.DESCRIBE_PORTAL);
        session.inFlight.poll();
      }
      case 'Z' -> {
        InFlight done = expectHead(type, Kind.QUERY, Kind.SYNC);
        session.inFlight.poll();
        if (done.kind == Kind.QUERY) {
          finish(done, done.errorSqlState);
        }
        session.transactionStatus = ((ReadyForQuery) BackendMessage.decode(frame)).status();
        // The unnamed portal does not outlive the transaction that made it.
        if (session.transactionStatus == ReadyForQuery.TransactionStatus.IDLE) {
          session.portals.remove("");
        }
      }
      case 'E' -> error(frame);
      case 'N', 'A', 'S' -> {
        // Asynchronous: notices, notifications and parameter changes belong to no statement.
      }
      default -> throw desynchronised(type, "an unexpected message type");
    }
  }

  /**
   * An error ends the current statement. In a simple Query, ReadyForQuery still follows; in an
   * extended batch the database discards everything up to the next Sync, so those entries expect
   * nothing more.
   */
  private void error(ByteBuf frame) {
    ErrorResponse error = (ErrorResponse) BackendMessage.decode(frame);
    InFlight head = session.inFlight.peek();
    if (head == null) {
      if (!error.isFatal()) {
        throw desynchronised('E', "an error outside any statement");
      }
      return;
    }
    if (head.kind == Kind.QUERY) {
      head.errorSqlState = error.sqlState();
      return;
    }
    if (head.kind == Kind.SYNC) {
      return;
    }
    while (!session.inFlight.isEmpty() && session.inFlight.peek().kind != Kind.SYNC) {
      InFlight skipped = session.inFlight.poll();
      if (skipped.kind == Kind.EXECUTE) {
        // The failed statement, and any admitted after it in the batch, which never ran.
        finish(skipped, error.sqlState());
      }
    }
    if (session.inFlight.isEmpty()) {
      session.discardingUntilSync = true;
    }
  }

  /** A statement's responses are complete: record its outcome. */
  private void finish(InFlight statement, String errorSqlState) {
    context
        .pipeline()
        .completed(
            session.context, statement.admission.statementId(), statement.rows, errorSqlState);
  }

  private InFlight expectHead(char type, Kind... kinds) {
    InFlight head = session.inFlight.peek();
    if (head != null) {
      for (Kind kind : kinds) {
        if (head.kind == kind) {
          return head;
        }
      }
    }
    throw desynchronised(type, head == null ? "nothing in flight" : "in flight: " + head);
  }

  /** Sends the refusals that have reached the head of the queue. */
  private void answerRefusals() {
    while (!session.inFlight.isEmpty() && session.inFlight.peek().kind == Kind.REFUSAL) {
      session.client.write(session.inFlight.poll().refusal);
      session.client.write(new ReadyForQuery(session.transactionStatus));
    }
  }

  private WardenException desynchronised(char type, String state) {
    LOG.error(
        "session {}: database sent message type '{}' with {}; closing the session",
        session.context.sessionId(),
        type,
        state);
    return new WardenException(
        ErrorCode.INTERNAL,
        "lost track of the database's responses; the session was closed",
        "reconnect and retry");
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    session.client.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // Backpressure: stop reading from the client while the database cannot keep up.
    session.client.config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    WardenException failure = ClientPhaseHandler.classify(cause);
    if (failure == null) {
      failure =
          new WardenException(
              ErrorCode.BACKEND_UNAVAILABLE, "the connection to the database was lost");
    } else if (failure.code() == ErrorCode.PROTOCOL_VIOLATION) {
      LOG.error(
          "session {}: the database broke the protocol: {}",
          session.context.sessionId(),
          failure.getMessage());
      failure =
          new WardenException(
              ErrorCode.INTERNAL, "the database sent a malformed message; the session was closed");
    }
    session.client.flush();
    PostgresErrors.failAndClose(session.client, failure);
    ctx.close();
  }
}
