package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.List;

/** The CopyBothResponse message: a replication COPY in both directions started. */
public record CopyBothResponse(int overallFormat, List<Integer> columnFormats)
    implements BackendMessage {
  public static final char TYPE = 'W';

  public CopyBothResponse {
    columnFormats = List.copyOf(columnFormats);
  }

  static CopyBothResponse decodeBody(ByteBuf body) {
    int overall = CopyResponse.readOverallFormat(body, "CopyBothResponse");
    return new CopyBothResponse(overall, CopyResponse.readColumnFormats(body, "CopyBothResponse"));
  }

  @Override
  public void encode(ByteBuf out) {
    CopyResponse.encode(out, TYPE, overallFormat, columnFormats);
  }
}
