package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * The CopyInResponse message: COPY FROM STDIN started; the server now expects CopyData from the
 * client.
 */
public record CopyInResponse(int overallFormat, List<Integer> columnFormats)
    implements BackendMessage {
  public static final char TYPE = 'G';

  public CopyInResponse {
    columnFormats = List.copyOf(columnFormats);
  }

  static CopyInResponse decodeBody(ByteBuf body) {
    int overall = CopyResponse.readOverallFormat(body, "CopyInResponse");
    return new CopyInResponse(overall, CopyResponse.readColumnFormats(body, "CopyInResponse"));
  }

  @Override
  public void encode(ByteBuf out) {
    CopyResponse.encode(out, TYPE, overallFormat, columnFormats);
  }
}
