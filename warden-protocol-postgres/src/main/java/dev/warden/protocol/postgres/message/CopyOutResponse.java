package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** The CopyOutResponse message: COPY TO STDOUT started; CopyData follows from the server. */
public record CopyOutResponse(int overallFormat, List<Integer> columnFormats)
    implements BackendMessage {
  public static final char TYPE = 'H';

  public CopyOutResponse {
    columnFormats = List.copyOf(columnFormats);
  }

  static CopyOutResponse decodeBody(ByteBuf body) {
    int overall = CopyResponse.readOverallFormat(body, "CopyOutResponse");
    return new CopyOutResponse(overall, CopyResponse.readColumnFormats(body, "CopyOutResponse"));
  }

  @Override
  public void encode(ByteBuf out) {
    CopyResponse.encode(out, TYPE, overallFormat, columnFormats);
  }
}
