package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Everything that goes to a session's client, in order: the database's bytes as the relay passes
 * them on, and Warden's own messages. A statement that ran while its audit record was being made
 * durable ({@code Verdict.Run.durable}) shuts the gate at its first response: from then on nothing
 * reaches the client — its result, and whatever follows it — until the record is durable; then it
 * all goes, in the order it came. Past {@link #HOLD_LIMIT_BYTES} held, the database is not read
 * until the gate opens (memory stays bounded; the database waits, as for a slow client). If the
 * record is lost, what was held is dropped and the session ends: no result whose record is missing
 * ever reaches a client. Only the session's event loop touches it.
 */
final class ClientOutput {
  static final int HOLD_LIMIT_BYTES = 256 * 1024;

  private final Session session;
  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private long heldBytes;

  /** What must complete before anything more reaches the client; null when the gate is open. */
  private CompletableFuture<Void> gate;

  private boolean ended;

  ClientOutput(Session session) {
    this.session = session;
  }

  /** Writes (or holds) a message or chunk for the client. */
  void write(Object message) {
    if (ended) {
      ReferenceCountUtil.release(message);
      return;
    }
    if (gate == null) {
      session.client.write(message, session.client.voidPromise());
      return;
    }
    held.add(message);
    heldBytes += message instanceof ByteBuf b ? b.readableBytes() : 64;
    if (heldBytes > HOLD_LIMIT_BYTES) {
      session.backend.config().setAutoRead(false);
    }
  }

  /** Flushes what was written, unless it is held. */
  void flush() {
    if (gate == null && !ended) {
      session.client.flush();
    }
  }

  void writeAndFlush(Object message) {
    write(message);
    flush();
  }

  /** Whether so much is held that the database must not be read. */
  boolean saturated() {
    return heldBytes > HOLD_LIMIT_BYTES;
  }

  /** Nothing more reaches the client until {@code durable} completes. */
  void holdUntil(CompletableFuture<Void> durable) {
    if (ended) {
      return;
    }
    if (durable.isDone() && gate == null) {
      if (durable.isCompletedExceptionally()) {
        lost(durable.exceptionNow());
      }
      return;
    }
    CompletableFuture<Void> next = gate == null ? durable : CompletableFuture.allOf(gate, durable);
    gate = next;
    // The kernel completes it on this session's loop.
    next.whenComplete((ok, failure) -> opened(next, failure));
  }

  private void opened(CompletableFuture<Void> which, Throwable failure) {
    if (ended) {
      return;
    }
    if (failure != null) {
      lost(failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure);
      return;
    }
    if (gate != which) {
      return; // a later statement's gate holds it still
    }
    gate = null;
    while (!held.isEmpty()) {
      session.client.write(held.poll(), session.client.voidPromise());
    }
    heldBytes = 0;
    session.client.flush();
    session.backend.config().setAutoRead(session.client.isWritable());
  }

  /** The record is lost: what was held never goes, and the session ends. */
  private void lost(Throwable why) {
    ended = true;
    gate = null;
    held.forEach(ReferenceCountUtil::release);
    held.clear();
    heldBytes = 0;
    PostgresErrors.failAndClose(
        session.client,
        new WardenException(
            ErrorCode.AUDIT_UNAVAILABLE,
            why.getMessage(),
            "reconnect and retry: statements run again as soon as the audit store accepts records;"
                + " tell the operator if it persists"));
    session.backend.close();
  }
}
