package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.Map;

/** The ErrorResponse message: fields keyed by their code ('S' severity, 'C' SQLSTATE, 'M' …). */
public record ErrorResponse(Map<Character, String> fields) implements BackendMessage {
  public static final char TYPE = 'E';

  public ErrorResponse {
    fields = Fields.copy(fields);
  }

  /** An error with severity, SQLSTATE, message and an optional hint (null for none). */
  public static ErrorResponse of(String severity, String sqlState, String message, String hint) {
    Map<Character, String> fields = new LinkedHashMap<>();
    fields.put('S', severity);
    fields.put('V', severity);
    fields.put('C', sqlState);
    fields.put('M', message);
    if (hint != null) {
      fields.put('H', hint);
    }
    return new ErrorResponse(fields);
  }

  static ErrorResponse decodeBody(ByteBuf body) {
    return new ErrorResponse(Fields.decode(body));
  }

  public String severity() {
    return fields.get('S');
  }

  public String sqlState() {
    return fields.get('C');
  }

  public String message() {
    return fields.get('M');
  }

  /** Whether the server ends the session after this error. */
  public boolean isFatal() {
    String severity = fields.getOrDefault('V', severity());
    return "FATAL".equals(severity) || "PANIC".equals(severity);
  }

  @Override
  public void encode(ByteBuf out) {
    Fields.encode(out, TYPE, fields);
  }
}
