package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.protocol.postgres.message.CopyData;
import dev.warden.protocol.postgres.message.CopyDone;
import dev.warden.protocol.postgres.message.CopyFail;
import dev.warden.protocol.postgres.message.Flush;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.Query;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * The command phase, client to database: each message is decoded; each Query and Execute is
 * admitted by the kernel ({@link AdmissionWait}) and carried out as its verdict says ({@link
 * ClientMessages}); the original frame is forwarded unchanged. While something holds the client's
 * messages ({@link Hold}) they wait, in order, and reading stops; they are let through once it
 * ends.
 */
final class ClientRelayHandler extends ClientPhaseHandler {
  private final PostgresContext context;
  private final Session session;
  private final AdmissionWait admission;
  private final ClientMessages messages;
  private ChannelHandlerContext ctx;

  ClientRelayHandler(PostgresContext context, Session session) {
    super(context.metrics());
    this.context = context;
    this.session = session;
    this.admission = new AdmissionWait(context, session);
    this.messages = new ClientMessages(context, session, admission);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    session.release = this::releaseHeld;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    if (!ctx.channel().isActive()) {
      frame.release(); // the rest of a read that ended the session
      return;
    }
    if (session.holding() && !(session.held.isEmpty() && isCopyInput(frame))) {
      // Later messages wait until what holds them ends. A guarded COPY's data is part of that
      // write, so it passes.
      hold(ctx, frame, false);
      return;
    }
    process(ctx, frame);
  }

  private static boolean isCopyInput(ByteBuf frame) {
    char type = (char) frame.getByte(frame.readerIndex());
    return type == CopyData.TYPE || type == CopyDone.TYPE || type == CopyFail.TYPE;
  }

  /**
   * Keeps a frame in the held queue (first, when it is the one being processed) and stops reading.
   */
  private void hold(ChannelHandlerContext ctx, ByteBuf frame, boolean first) {
    if (first) {
      session.held.addFirst(frame);
    } else {
      session.held.add(frame);
    }
    ctx.channel().config().setAutoRead(false);
  }

  private void process(ChannelHandlerContext ctx, ByteBuf frame) {
    if (frame.getByte(frame.readerIndex()) == Query.TYPE
        && !session.inFlight.isEmpty()
        && session.admissions.limitsWrites()) {
      // A write under maxRowsAffected may need Warden's own BEGIN, which depends on the
      // transaction state once everything before it has finished: wait until then.
      session.hold = new Hold.ForIdle();
      hold(ctx, frame, true);
      return;
    }
    boolean forward = false;
    boolean held = false;
    try {
      FrontendMessage message = FrontendMessage.decode(frame);
      held = admission.awaits(message, this::releaseHeld, failure -> fail(ctx, failure));
      if (held) {
        hold(ctx, frame, true);
        return;
      }
      forward = messages.relay(message);
    } finally {
      if (held) {
        // kept
      } else if (forward) {
        session.backend.write(frame, session.backend.voidPromise());
        if (messages.guardedExecute()) {
          // The guarded Execute's result must come back before the client's Sync is let through.
          session.backend.write(new Flush(), session.backend.voidPromise());
        }
      } else {
        frame.release();
      }
    }
    if (messages.terminating()) {
      session.backend.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      ctx.close();
    }
  }

  /**
   * Lets held messages through once what held them has ended (on the event loop). It runs as a task
   * of its own, outside any read: a held frame that fails to decode (or anything else that fails
   * here) must end the session as it would in a read — 08P01 and close, the database connection
   * closed without flushing what was written for it — and never escape to the event loop, which
   * would leave the session open, unflushed and not reading.
   */
  private void releaseHeld() {
    try {
      while (!session.holding() && !session.held.isEmpty() && ctx.channel().isActive()) {
        process(ctx, session.held.poll());
      }
    } catch (Throwable failure) {
      fail(ctx, failure);
      return;
    }
    if (!session.holding()) {
      ctx.channel().config().setAutoRead(session.backend.isWritable());
    }
    session.backend.flush();
  }

  private void fail(ChannelHandlerContext ctx, Throwable failure) {
    session.held.forEach(ByteBuf::release);
    session.held.clear();
    exceptionCaught(ctx, failure);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.admissions.closed();
    session.held.forEach(ByteBuf::release);
    session.held.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    session.backend.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // Backpressure: stop reading from the database while the client cannot keep up.
    session.backend.config().setAutoRead(ctx.channel().isWritable() && !session.output.saturated());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent
        && session.inFlight.isEmpty()
        && session.admissions.pendingApproval() == null) {
      PostgresErrors.failAndClose(
          ctx.channel(),
          new WardenException(
              ErrorCode.IDLE_TIMEOUT,
              "terminating session idle for more than " + context.config().limits().idleTimeout(),
              "reconnect; limits.idleTimeout sets how long a session may stay idle"));
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  void onFailure(ChannelHandlerContext ctx) {
    session.backend.close();
  }
}
