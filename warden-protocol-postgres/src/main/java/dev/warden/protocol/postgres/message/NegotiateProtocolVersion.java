package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** The NegotiateProtocolVersion message: the newest minor version supported and unknown options. */
public record NegotiateProtocolVersion(int newestMinorVersion, List<String> unrecognizedOptions)
    implements BackendMessage {
  public static final char TYPE = 'v';

  public NegotiateProtocolVersion {
    unrecognizedOptions = List.copyOf(unrecognizedOptions);
  }

  static NegotiateProtocolVersion decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 8, "NegotiateProtocolVersion");
    int minor = body.readInt();
    int count = body.readInt();
    if (count < 0 || count > body.readableBytes()) {
      throw new ProtocolViolation("NegotiateProtocolVersion has an invalid option count");
    }
    List<String> options = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      options.add(Wire.readCString(body));
    }
    return new NegotiateProtocolVersion(minor, options);
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeInt(newestMinorVersion);
    out.writeInt(unrecognizedOptions.size());
    unrecognizedOptions.forEach(o -> Wire.writeCString(out, o));
    Wire.end(out, lengthIndex);
  }
}
