package dev.warden.frontend.postgres;

import dev.warden.core.mask.ErrorRedaction;
import dev.warden.core.mask.ErrorRedaction.Part;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.NoticeResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The texts of the database's errors and notices (message, detail, hint, context, the query it
 * quotes) for a session that sees masked values, each scrubbed as the kernel says ({@link
 * ErrorRedaction}).
 */
final class ErrorTexts {
  private ErrorTexts() {}

  /** The fields of an ErrorResponse or NoticeResponse that carry text, and what each is. */
  private static final Map<Character, Part> TEXTS =
      Map.of(
          'M', Part.MESSAGE, 'D', Part.DETAIL, 'H', Part.HINT, 'W', Part.CONTEXT, 'q', Part.QUERY);

  /**
   * The message with its texts scrubbed, or null when it goes on unchanged. {@code maskedResult}:
   * the statement it came during returns masked values.
   */
  static BackendMessage scrubbed(BackendFrame frame, boolean maskedResult) {
    BackendMessage message = frame.decode();
    Map<Character, String> fields =
        message instanceof ErrorResponse e ? e.fields() : ((NoticeResponse) message).fields();
    Map<Character, String> clean = new LinkedHashMap<>(fields);
    boolean changed = false;
    String sqlState = fields.getOrDefault('C', "");
    for (var text : TEXTS.entrySet()) {
      String value = fields.get(text.getKey());
      if (value != null) {
        String scrubbed = ErrorRedaction.scrub(sqlState, maskedResult, text.getValue(), value);
        if (scrubbed != value) {
          clean.put(text.getKey(), scrubbed);
          changed = true;
        }
      }
    }
    if (!changed) {
      return null;
    }
    return message instanceof ErrorResponse ? new ErrorResponse(clean) : new NoticeResponse(clean);
  }
}
