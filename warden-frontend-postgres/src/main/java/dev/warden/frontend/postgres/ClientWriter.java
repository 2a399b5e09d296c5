package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of a backend connection: writes what the relay passes on (chunks of the
 * database's bytes, Warden's own refusals) to the client, flushes once per read, applies
 * backpressure, and ends the client's session when the database connection fails.
 */
final class ClientWriter extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ClientWriter.class);

  private final Session session;

  ClientWriter(Session session) {
    this.session = session;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    session.output.write(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    session.output.flush();
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
