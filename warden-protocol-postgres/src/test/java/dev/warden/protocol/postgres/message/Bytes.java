package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds literal message bytes for tests, so expectations read like the protocol documentation. */
final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static Bytes of() {
    return new Bytes();
  }

  Bytes i8(int v) {
    out.write(v);
    return this;
  }

  Bytes i16(int v) {
    out.write(v >>> 8);
    out.write(v);
    return this;
  }

  Bytes i32(int v) {
    return i16(v >>> 16).i16(v & 0xFFFF);
  }

  Bytes str(String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** A NUL-terminated string. */
  Bytes cstr(String s) {
    return str(s).i8(0);
  }

  byte[] body() {
    return out.toByteArray();
  }

  /** A whole typed frame: type, length, this body. */
  ByteBuf frame(char type) {
    byte[] body = body();
    ByteBuf frame = Unpooled.buffer();
    frame.writeByte(type).writeInt(4 + body.length).writeBytes(body);
    return frame;
  }

  /** A whole untyped startup packet: length, this body. */
  ByteBuf untyped() {
    byte[] body = body();
    ByteBuf frame = Unpooled.buffer();
    frame.writeInt(4 + body.length).writeBytes(body);
    return frame;
  }

  static String hex(ByteBuf buf) {
    return ByteBufUtil.hexDump(buf);
  }
}
