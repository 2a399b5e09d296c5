package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.NoticeResponse;
import dev.warden.protocol.postgres.message.NotificationResponse;
import dev.warden.protocol.postgres.message.ParameterStatus;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command phase, database to client: frames the database's stream, has the in-flight entry at
 * the head of the session's queue answer each message ({@link InFlight#respond}), and passes the
 * bytes on in chunks: one retained slice per run of messages that go to the client unchanged, not
 * one per message, so a large result costs a few writes per read instead of one per row. Masked
 * rows go into one batch buffer per read; refusals Warden answers itself are emitted between
 * chunks, in order. A response the queue does not explain means Warden no longer knows what the
 * database is doing: the session is closed.
 */
final class BackendRelayHandler extends ByteToMessageDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(BackendRelayHandler.class);
  private static final int HEADER_BYTES = 5;

  final PostgresContext context;
  final Session session;
  final RowLimits limits = new RowLimits(this);
  final MaskPlans plans;

  /** What goes to the client instead of a message that is not relayed as it is. */
  final List<Object> substitutes = new ArrayList<>(2);

  /** Whether results are kept for the audit trail (write-ahead store, resultRows above 0). */
  final boolean recordsResults;

  private ByteBufAllocator allocator;

  // The decode loop's state, shared with the masking of rows: the unchanged bytes not yet passed
  // on start at chunkStart; masked rows of consecutive messages go into one batch buffer, the
  // last thing in the output, so a masked result costs a few writes per read, not one per row.
  private ByteBuf current;
  private List<Object> output;
  private int chunkStart;
  private int position;
  private ByteBuf batch;

  /** Where the last rewritten row went (for the audit trail's copy of it). */
  ByteBuf lastTarget;

  int lastStart;

  /** Set when a guard ended during this read; the held client messages go after its output. */
  private boolean releaseDue;

  BackendRelayHandler(PostgresContext context, Session session) {
    this.context = context;
    this.session = session;
    this.plans = new MaskPlans(context, session);
    this.recordsResults =
        context.pipeline().writeAhead() && context.config().audit().resultRows() > 0;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    allocator = ctx.alloc();
    current = in;
    output = out;
    batch = null;
    chunkStart = in.readerIndex();
    position = chunkStart;
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
      BackendFrame frame =
          new BackendFrame((char) (in.getByte(position) & 0xFF), in, position, frameBytes);
      if (!attribute(frame)) {
        // Dropped or replaced: what came before goes out as it is, then the substitutes (masked
        // rows went into the batch already).
        if (position > chunkStart) {
          out.add(in.retainedSlice(chunkStart, position - chunkStart));
          batch = null;
        }
        if (!substitutes.isEmpty()) {
          out.addAll(substitutes);
          substitutes.clear();
          batch = null;
        }
        chunkStart = position + frameBytes;
      }
      position += frameBytes;
      char type = frame.type();
      if ((type == ReadyForQuery.TYPE || type == ErrorResponse.TYPE) && refusalIsDue()) {
        out.add(in.retainedSlice(chunkStart, position - chunkStart));
        chunkStart = position;
        answerRefusals(out);
        batch = null;
      }
    }
    if (position > chunkStart) {
      out.add(in.retainedSlice(chunkStart, position - chunkStart));
    }
    batch = null;
    output = null;
    current = null;
    in.readerIndex(position);
    if (releaseDue) {
      // After this read's output has gone to the client, let the held client messages through.
      releaseDue = false;
      ctx.channel().eventLoop().execute(session.release);
    }
  }

  /** Has the head of the queue answer one message; true when it goes on unchanged. */
  private boolean attribute(BackendFrame frame) {
    InFlight head = session.inFlight.peek();
    if (head != null) {
      if (head instanceof ResultsSent r && r.durable != null && !r.gated) {
        // It ran before its record was durable: from its first response on, nothing reaches
        // the client until the record is (what this read passes on included).
        r.gated = true;
        session.output.holdUntil(r.durable);
      }
      return head.respond(frame, this);
    }
    return switch (frame.type()) {
      // Asynchronous: a notification, a changed parameter, a notice (a terminating backend's).
      case NotificationResponse.TYPE, ParameterStatus.TYPE -> true;
      case NoticeResponse.TYPE -> notice(frame, null);
      case ErrorResponse.TYPE -> {
        if (!((ErrorResponse) frame.decode()).isFatal()) {
          throw desynchronised(frame.type(), "an error outside any statement");
        }
        yield scrubbed(frame, null);
      }
      default -> throw desynchronised(frame.type(), "nothing in flight");
    };
  }

  /** Where the next masked row goes: the open batch, or a new one after what is pending. */
  ByteBuf rowTarget() {
    ByteBuf target = batchTarget();
    lastTarget = target;
    lastStart = target.writerIndex();
    return target;
  }

  private ByteBuf batchTarget() {
    if (batch != null && position == chunkStart) {
      return batch;
    }
    if (position > chunkStart) {
      output.add(current.retainedSlice(chunkStart, position - chunkStart));
      chunkStart = position;
    }
    batch = allocator.buffer(16 * 1024);
    output.add(batch);
    return batch;
  }

  /**
   * A notice during {@code head}'s statement (or none): scrubbed where the session sees masked
   * values, and recorded with its statement as the client saw it.
   */
  boolean notice(BackendFrame frame, InFlight head) {
    boolean unchanged = scrubbed(frame, head);
    ResultCapture capture = head == null ? null : head.capture();
    if (capture != null) {
      NoticeResponse shown =
          unchanged ? (NoticeResponse) frame.decode() : (NoticeResponse) substitutes.getLast();
      capture.message(
          shown.fields().getOrDefault('S', "NOTICE"), shown.fields().getOrDefault('M', ""));
    }
    return unchanged;
  }

  /**
   * An error ends {@code head}'s statement: a refused statement's stand-in error is replaced by
   * Warden's; any other is scrubbed.
   */
  boolean error(BackendFrame frame, InFlight head) {
    ErrorResponse replacement = head.replacement();
    ended(frame, head);
    if (replacement != null) {
      substitutes.add(replacement);
      return false;
    }
    return scrubbed(frame, head);
  }

  /**
   * What an error means for what is in flight. In a simple Query, ReadyForQuery still follows; in
   * an extended batch the database discards everything up to the next Sync, so those entries expect
   * nothing more (the statements among them never ran, and are recorded so).
   */
  void ended(BackendFrame frame, InFlight head) {
    ErrorResponse replacement = head.replacement();
    ErrorResponse error = (ErrorResponse) frame.decode();
    String sqlState = replacement != null ? replacement.sqlState() : error.sqlState();
    ResultCapture capture = head.capture();
    if (capture != null) {
      capture.message("ERROR", (replacement != null ? replacement : error).message());
    }
    switch (head) {
      case QuerySent q -> q.errorSqlState = sqlState;
      case SyncSent s -> {}
      default -> {
        while (!session.inFlight.isEmpty() && !(session.inFlight.peek() instanceof SyncSent)) {
          InFlight skipped = session.inFlight.poll();
          String state = skipped == head ? sqlState : error.sqlState();
          switch (skipped) {
            case ExecuteSent e -> e.finish(this, state);
            case StandInSent s -> session.admissions.completed(s.admission, 0, state, null);
            default -> {}
          }
        }
        if (session.inFlight.isEmpty()) {
          session.discardingUntilSync = true;
        }
        if (session.hold instanceof Hold.ForWriteCount guard
            && !session.inFlight.contains(guard.statement())) {
          // The guarded write failed by itself: nothing to check, the client's messages may go.
          endGuard();
        }
      }
    }
  }

  /** Whether an error or notice goes on as it is (else its scrubbed form is a substitute). */
  boolean scrubbed(BackendFrame frame, InFlight head) {
    if (session.admissions.masking() == null) {
      return true;
    }
    boolean maskedResult = head instanceof ResultsSent r && r.outputMasks.fallback() != null;
    BackendMessage clean = ErrorTexts.scrubbed(frame, maskedResult);
    if (clean == null) {
      return true;
    }
    substitutes.add(clean);
    return false;
  }

  /** The transaction status from a ReadyForQuery. */
  void ready(BackendFrame frame) {
    session.transactionStatus = ((ReadyForQuery) frame.decode()).status();
    // The unnamed portal does not outlive the transaction that made it.
    if (session.transactionStatus == ReadyForQuery.TransactionStatus.IDLE) {
      session.portals.remove("");
    }
    if (session.inFlight.isEmpty() && session.hold instanceof Hold.ForIdle) {
      session.hold = Hold.NONE;
      releaseDue = true;
    }
  }

  /** The guarded statement is settled: the client's held messages may go. */
  void endGuard() {
    if (session.hold instanceof Hold.ForWriteCount) {
      session.hold = Hold.NONE;
      releaseDue = true;
    }
  }

  /**
   * Sends a message of Warden's own to the database, with its in-flight entry. While a guard holds
   * the client's messages nothing of the client's follows in flight, so it goes last.
   */
  void inject(FrontendMessage message, InFlight entry) {
    session.inFlight.add(entry);
    session.backend.writeAndFlush(message, session.backend.voidPromise());
  }

  private boolean refusalIsDue() {
    return session.inFlight.peek() instanceof RefusalQueued;
  }

  /** Emits the refusals that have reached the head of the queue. */
  private void answerRefusals(List<Object> out) {
    while (session.inFlight.peek() instanceof RefusalQueued refusal) {
      session.inFlight.poll();
      out.add(refusal.error);
      out.add(new ReadyForQuery(session.transactionStatus));
    }
  }

  WardenException desynchronised(char type, InFlight head) {
    return desynchronised(type, "in flight: " + head);
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
