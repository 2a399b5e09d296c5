package dev.warden.gateway.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.gateway.GatewayContext;
import dev.warden.gateway.postgres.InFlight.Kind;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.Target;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command phase, database to client: frames the database's stream, attributes each message to
 * the in-flight entry that caused it, and passes the bytes on in chunks: one retained slice per run
 * of messages that go to the client unchanged, not one per message, so a large result costs a few
 * writes per read instead of one per row. Rows are counted by type byte, not decoded; only the few
 * messages that change state (ReadyForQuery, ErrorResponse) are. Refusals Warden answers itself are
 * emitted between chunks, in order. A response the queue does not explain means Warden no longer
 * knows what the database is doing: the session is closed.
 */
final class BackendRelayHandler extends ByteToMessageDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(BackendRelayHandler.class);
  private static final int HEADER_BYTES = 5;

  private final GatewayContext context;
  private final Session session;

  BackendRelayHandler(GatewayContext context, Session session) {
    this.context = context;
    this.session = session;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int chunkStart = in.readerIndex();
    int position = chunkStart;
    int end = in.writerIndex();
    while (end - position >= HEADER_BYTES) {
      long length = in.getUnsignedInt(position + 1);
      if (length < 4 || length > BackendConnector.MAX_BACKEND_MESSAGE_BYTES) {
        throw new CorruptedFrameException("database message length " + length + " is invalid");
      }
      int frameBytes = (int) length + 1;
      if (end - position < frameBytes) {
        break;
      }
      char type = (char) (in.getByte(position) & 0xFF);
      // The server's error for a denied statement's stand-in is replaced by Warden's own.
      ErrorResponse replacement = type == 'E' ? replacementAtHead() : null;
      attribute(type, in, position, frameBytes);
      if (replacement != null) {
        if (position > chunkStart) {
          out.add(in.retainedSlice(chunkStart, position - chunkStart));
        }
        out.add(replacement);
        chunkStart = position + frameBytes;
      }
      position += frameBytes;
      if ((type == ReadyForQuery.TYPE || type == 'E') && refusalIsDue()) {
        out.add(in.retainedSlice(chunkStart, position - chunkStart));
        chunkStart = position;
        answerRefusals(out);
      }
    }
    if (position > chunkStart) {
      out.add(in.retainedSlice(chunkStart, position - chunkStart));
    }
    in.readerIndex(position);
  }

  /** Attributes one message; {@code in} holds it at {@code offset}, {@code length} bytes long. */
  private void attribute(char type, ByteBuf in, int offset, int length) {
    // Only ReadyForQuery and ErrorResponse are decoded; the rest need just their type byte.
    attribute(type, type == ReadyForQuery.TYPE || type == 'E' ? in.slice(offset, length) : null);
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
    String sqlState = head.replacement != null ? head.replacement.sqlState() : error.sqlState();
    if (head.kind == Kind.QUERY) {
      head.errorSqlState = sqlState;
      return;
    }
    if (head.kind == Kind.SYNC) {
      return;
    }
    while (!session.inFlight.isEmpty() && session.inFlight.peek().kind != Kind.SYNC) {
      InFlight skipped = session.inFlight.poll();
      if (skipped.kind == Kind.EXECUTE || skipped.kind == Kind.DENIAL) {
        // The failed (or denied) statement, and any admitted after it in the batch, which never
        // ran.
        finish(skipped, skipped == head ? sqlState : error.sqlState());
      }
    }
    if (session.inFlight.isEmpty()) {
      session.discardingUntilSync = true;
    }
  }

  private ErrorResponse replacementAtHead() {
    InFlight head = session.inFlight.peek();
    return head == null ? null : head.replacement;
  }

  /** A statement's responses are complete: record its outcome. */
  private void finish(InFlight statement, String errorSqlState) {
    if (errorSqlState == null) {
      session.completed(statement.statement);
    }
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

  private boolean refusalIsDue() {
    InFlight head = session.inFlight.peek();
    return head != null && head.kind == Kind.REFUSAL;
  }

  /** Emits the refusals that have reached the head of the queue. */
  private void answerRefusals(List<Object> out) {
    while (refusalIsDue()) {
      out.add(session.inFlight.poll().refusal);
      out.add(new ReadyForQuery(session.transactionStatus));
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
}
