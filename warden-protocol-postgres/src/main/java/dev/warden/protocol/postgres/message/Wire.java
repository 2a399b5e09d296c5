package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Shared byte-level helpers: C-strings, message headers with back-patched lengths, strict ends. */
public final class Wire {
  private Wire() {}

  /** Reads a NUL-terminated UTF-8 string and consumes the terminator. */
  public static String readCString(ByteBuf in) {
    int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
    if (end < 0) {
      throw new ProtocolViolation("string is not NUL-terminated");
    }
    String value = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
    in.readerIndex(end + 1);
    return value;
  }

  public static void writeCString(ByteBuf out, String value) {
    out.writeCharSequence(value, StandardCharsets.UTF_8);
    out.writeByte(0);
  }

  /** Writes the type byte and a placeholder length; returns the length's index for {@link #end}. */
  public static int begin(ByteBuf out, char type) {
    out.writeByte(type);
    int lengthIndex = out.writerIndex();
    out.writeInt(0);
    return lengthIndex;
  }

  /** Writes a placeholder length for an untyped startup-phase packet. */
  public static int beginUntyped(ByteBuf out) {
    int lengthIndex = out.writerIndex();
    out.writeInt(0);
    return lengthIndex;
  }

  /** Back-patches the length, which counts itself and the body but not the type byte. */
  public static void end(ByteBuf out, int lengthIndex) {
    out.setInt(lengthIndex, out.writerIndex() - lengthIndex);
  }

  /** Fails when a decoder did not consume the whole body: the server would reject it too. */
  public static void requireFullyRead(ByteBuf in, String message) {
    if (in.isReadable()) {
      throw new ProtocolViolation(
          message + " has " + in.readableBytes() + " unexpected trailing byte(s)");
    }
  }

  public static void requireReadable(ByteBuf in, int bytes, String message) {
    if (in.readableBytes() < bytes) {
      throw new ProtocolViolation(message + " is truncated");
    }
  }

  /** Reads a count that must be non-negative and plausible for the bytes that remain. */
  public static int readCount(ByteBuf in, int bytesPerItem, String what) {
    requireReadable(in, 2, what);
    int count = in.readUnsignedShort();
    if ((long) count * bytesPerItem > in.readableBytes()) {
      throw new ProtocolViolation(what + " declares " + count + " items but is too short");
    }
    return count;
  }

  /** Reads an Int32-length-prefixed value; -1 is SQL NULL. Returns a slice, not a copy. */
  public static ByteBuf readValue(ByteBuf in, String what) {
    requireReadable(in, 4, what);
    int length = in.readInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > in.readableBytes()) {
      throw new ProtocolViolation(what + " has an invalid value length " + length);
    }
    return in.readSlice(length);
  }

  public static void writeValue(ByteBuf out, ByteBuf value) {
    if (value == null) {
      out.writeInt(-1);
    } else {
      out.writeInt(value.readableBytes());
      out.writeBytes(value, value.readerIndex(), value.readableBytes());
    }
  }

  /** The type byte of a whole typed frame. */
  public static char type(ByteBuf frame) {
    return (char) (frame.getByte(frame.readerIndex()) & 0xFF);
  }

  /** The body of a whole typed frame (after type and length), as a slice. */
  public static ByteBuf body(ByteBuf frame) {
    return frame.slice(frame.readerIndex() + 5, frame.readableBytes() - 5);
  }
}
