package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.CredentialShapes;
import dev.warden.gateway.GatewayMetrics;
import dev.warden.protocol.postgres.message.ProtocolViolation;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The base of each client-side phase: one place that turns a failure in that phase into a FATAL
 * error for this client only, and closes its connection. Other sessions are never touched.
 */
abstract class ClientPhaseHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ClientPhaseHandler.class);
  private final GatewayMetrics metrics;

  ClientPhaseHandler(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    WardenException failure = classify(cause);
    if (failure == null) {
      LOG.debug("client {} connection error: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
      return;
    }
    if (failure.code() == ErrorCode.PROTOCOL_VIOLATION) {
      metrics.protocolViolation();
      LOG.debug(
          "client {} protocol violation: {}",
          ctx.channel().remoteAddress(),
          CredentialShapes.redact(failure.getMessage()));
    } else if (failure.code() == ErrorCode.INTERNAL) {
      LOG.error("client {}: unexpected failure", ctx.channel().remoteAddress(), cause);
    }
    PostgresErrors.failAndClose(ctx.channel(), failure);
    onFailure(ctx);
  }

  /** Lets a phase release what it holds (e.g. a backend connection) when the client fails. */
  void onFailure(ChannelHandlerContext ctx) {}

  /** A WardenException for the client, or null when the connection is simply gone. */
  static WardenException classify(Throwable cause) {
    Throwable c =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    return switch (c) {
      case WardenException e -> e;
      case ProtocolViolation e ->
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION, "protocol violation: " + e.getMessage());
      case TooLongFrameException e ->
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION,
              "protocol violation: " + e.getMessage(),
              "raise limits.maxMessageBytes if this message is legitimate");
      case CorruptedFrameException e ->
          new WardenException(
              ErrorCode.PROTOCOL_VIOLATION, "protocol violation: " + e.getMessage());
      case IOException e -> null;
      default ->
          new WardenException(
              ErrorCode.INTERNAL, "internal error; the session was closed", null, c);
    };
  }
}
