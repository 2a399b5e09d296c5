package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** The ParameterDescription message: the type OIDs of a prepared statement's parameters. */
public record ParameterDescription(List<Integer> types) implements BackendMessage {
  public static final char TYPE = 't';

  public ParameterDescription {
    types = List.copyOf(types);
  }

  static ParameterDescription decodeBody(ByteBuf body) {
    int count = Wire.readCount(body, 4, "ParameterDescription");
    List<Integer> types = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      types.add(body.readInt());
    }
    return new ParameterDescription(types);
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeShort(types.size());
    types.forEach(out::writeInt);
    Wire.end(out, lengthIndex);
  }
}
