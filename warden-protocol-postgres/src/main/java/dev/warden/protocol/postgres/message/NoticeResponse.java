package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.Map;

/** The NoticeResponse message: a warning or notice, asynchronous to the statement flow. */
public record NoticeResponse(Map<Character, String> fields) implements BackendMessage {
  public static final char TYPE = 'N';

  public NoticeResponse {
    fields = Fields.copy(fields);
  }

  static NoticeResponse decodeBody(ByteBuf body) {
    return new NoticeResponse(Fields.decode(body));
  }

  @Override
  public void encode(ByteBuf out) {
    Fields.encode(out, TYPE, fields);
  }
}
