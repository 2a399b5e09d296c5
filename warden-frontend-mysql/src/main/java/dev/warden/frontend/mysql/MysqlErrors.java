package dev.warden.frontend.mysql;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.policy.Decision;
import dev.warden.protocol.mysql.message.ErrPacket;
import dev.warden.protocol.mysql.message.Packet;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/** Turns Warden's failures into MySQL ERR packets: the one place error codes are chosen. */
final class MysqlErrors {
  private MysqlErrors() {}

  static ErrPacket err(WardenException e) {
    int code;
    String state;
    switch (e.code()) {
      case AUTHENTICATION_FAILED, INVALID_TOKEN, CREDENTIAL_EXPIRED, AUTHORIZATION_REFUSED -> {
        code = 1045;
        state = "28000";
      }
      case UNKNOWN_CONNECTION -> {
        code = 1049;
        state = "42000";
      }
      case ACCESS_DENIED -> {
        code = 1142;
        state = "42000";
      }
      case PROTOCOL_VIOLATION -> {
        code = 1047;
        state = "08S01";
      }
      case FEATURE_NOT_SUPPORTED -> {
        code = 1235;
        state = "42000";
      }
      case INVALID_PARAMETER -> {
        code = 1231;
        state = "42000";
      }
      case TOO_MANY_CONNECTIONS -> {
        code = 1040;
        state = "08004";
      }
      case BACKEND_UNAVAILABLE, STARTUP_TIMEOUT, IDLE_TIMEOUT -> {
        code = 1159;
        state = "08S01";
      }
      case LIMIT_EXCEEDED -> {
        code = 1104;
        state = "42000";
      }
      case SHUTTING_DOWN -> {
        code = 1053;
        state = "08S01";
      }
      default -> {
        code = 1105;
        state = "HY000";
      }
    }
    // MySQL's errors have no hint field: it follows the message.
    String text =
        "warden: " + e.getMessage() + (e.hint() == null ? "" : " (hint: " + e.hint() + ")");
    return new ErrPacket(code, state, text);
  }

  /** A refused statement's error, naming the rule. */
  static WardenException denial(Decision.Deny deny) {
    return new WardenException(
        ErrorCode.ACCESS_DENIED,
        "denied by rule " + deny.rule() + ": " + deny.reason(),
        deny.hint());
  }

  /** Sends the error as packet {@code sequenceId} and closes the connection. */
  static void failAndClose(Channel channel, int sequenceId, WardenException e) {
    if (!channel.isActive()) {
      return;
    }
    channel
        .writeAndFlush(new Packet(sequenceId & 0xFF, err(e).encode()))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
