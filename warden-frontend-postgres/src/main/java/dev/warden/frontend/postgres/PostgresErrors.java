package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.NoticeResponse;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/** Turns Warden's failures into PostgreSQL ErrorResponses: the one place SQLSTATEs are chosen. */
public final class PostgresErrors {
  private PostgresErrors() {}

  public static String sqlState(ErrorCode code) {
    return switch (code) {
      case AUTHENTICATION_FAILED -> "28P01";
      case AUTHORIZATION_REFUSED -> "28000";
      case INVALID_TOKEN -> "28000";
      case CREDENTIAL_EXPIRED -> "28000";
      case UNKNOWN_CONNECTION -> "3D000";
      case ACCESS_DENIED -> "42501";
      case PROTOCOL_VIOLATION -> "08P01";
      case FEATURE_NOT_SUPPORTED -> "0A000";
      case INVALID_PARAMETER -> "22023";
      case TOO_MANY_CONNECTIONS -> "53300";
      case BACKEND_UNAVAILABLE -> "08006";
      case STARTUP_TIMEOUT -> "08006";
      case IDLE_TIMEOUT -> "57P05";
      case SHUTTING_DOWN -> "57P03";
      case LIMIT_EXCEEDED -> "54000";
      case AUDIT_UNAVAILABLE -> "58000";
      case INTERNAL -> "XX000";
    };
  }

  /** An ERROR the session survives. */
  public static ErrorResponse error(WardenException e) {
    return ErrorResponse.of("ERROR", sqlState(e.code()), "warden: " + e.getMessage(), e.hint());
  }

  /** A WARNING notice (SQLSTATE 01000): the statement went on, the client should know. */
  public static NoticeResponse warning(String message, String hint) {
    java.util.Map<Character, String> fields = new java.util.LinkedHashMap<>();
    fields.put('S', "WARNING");
    fields.put('V', "WARNING");
    fields.put('C', "01000");
    fields.put('M', "warden: " + message);
    if (hint != null) {
      fields.put('H', hint);
    }
    return new NoticeResponse(fields);
  }

  /** A NOTICE (SQLSTATE 00000): information for the client, nothing went wrong. */
  public static NoticeResponse notice(String message, String hint) {
    java.util.Map<Character, String> fields = new java.util.LinkedHashMap<>();
    fields.put('S', "NOTICE");
    fields.put('V', "NOTICE");
    fields.put('C', "00000");
    fields.put('M', message);
    if (hint != null) {
      fields.put('H', hint);
    }
    return new NoticeResponse(fields);
  }

  /** A FATAL error: the session ends after it. */
  public static ErrorResponse fatal(WardenException e) {
    return ErrorResponse.of("FATAL", sqlState(e.code()), "warden: " + e.getMessage(), e.hint());
  }

  /** Sends a FATAL error and closes the channel once it is written. */
  public static void failAndClose(Channel channel, WardenException e) {
    if (channel.isActive()) {
      channel.writeAndFlush(fatal(e)).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
