package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/**
 * The FunctionCall message: the legacy fast-path call of a function by OID. It bypasses SQL, so
 * Warden refuses it; only the OID is decoded and the rest is kept as a slice.
 */
public record FunctionCall(int functionOid, ByteBuf arguments) implements FrontendMessage {
  public static final char TYPE = 'F';

  static FunctionCall decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 4, "FunctionCall");
    int oid = body.readInt();
    return new FunctionCall(oid, body.readSlice(body.readableBytes()));
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    out.writeInt(functionOid);
    out.writeBytes(arguments, arguments.readerIndex(), arguments.readableBytes());
    Wire.end(out, lengthIndex);
  }
}
