package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The protocol's basic types: length-encoded integers and strings, NUL-terminated strings, and
 * strings that run to the end of the packet. Every read checks that the bytes are there, so a
 * truncated packet is a {@link ProtocolViolation}, never an index error.
 */
public final class Wire {
  /** The first byte of a length-encoded value that stands for SQL NULL in a text row. */
  public static final int NULL_VALUE = 0xFB;

  private Wire() {}

  /** A length-encoded integer; -1 for the NULL marker (0xFB). */
  public static long readLengthEncoded(ByteBuf in) {
    need(in, 1);
    int first = in.readUnsignedByte();
    return switch (first) {
      case 0xFB -> -1;
      case 0xFC -> {
        need(in, 2);
        yield in.readUnsignedShortLE();
      }
      case 0xFD -> {
        need(in, 3);
        yield in.readUnsignedMediumLE();
      }
      case 0xFE -> {
        need(in, 8);
        long value = in.readLongLE();
        if (value < 0) {
          throw new ProtocolViolation("length-encoded integer out of range");
        }
        yield value;
      }
      case 0xFF -> throw new ProtocolViolation("0xFF is not a length-encoded integer");
      default -> first;
    };
  }

  /** A length-encoded string's bytes, or null for NULL. */
  public static byte[] readLengthEncodedBytes(ByteBuf in) {
    long length = readLengthEncoded(in);
    if (length < 0) {
      return null;
    }
    if (length > in.readableBytes()) {
      throw new ProtocolViolation(
          "a string of " + length + " bytes in a packet with " + in.readableBytes() + " left");
    }
    byte[] bytes = new byte[(int) length];
    in.readBytes(bytes);
    return bytes;
  }

  /** A length-encoded string as UTF-8, or null for NULL. */
  public static String readLengthEncodedString(ByteBuf in) {
    byte[] bytes = readLengthEncodedBytes(in);
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }

  /** Skips a length-encoded string (or NULL) and returns the index after it. */
  public static int skipLengthEncoded(ByteBuf in) {
    long length = readLengthEncoded(in);
    if (length > 0) {
      if (length > in.readableBytes()) {
        throw new ProtocolViolation("a value runs past the end of its packet");
      }
      in.skipBytes((int) length);
    }
    return in.readerIndex();
  }

  public static String readNulTerminated(ByteBuf in) {
    int end = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) 0);
    if (end < 0) {
      throw new ProtocolViolation("a string is not NUL-terminated");
    }
    String s = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.UTF_8);
    in.readerIndex(end + 1);
    return s;
  }

  /** The rest of the packet as UTF-8. */
  public static String readRest(ByteBuf in) {
    String s = in.toString(StandardCharsets.UTF_8);
    in.skipBytes(in.readableBytes());
    return s;
  }

  /** The rest of the packet's bytes. */
  public static byte[] readRestBytes(ByteBuf in) {
    byte[] bytes = new byte[in.readableBytes()];
    in.readBytes(bytes);
    return bytes;
  }

  public static void need(ByteBuf in, int bytes) {
    if (in.readableBytes() < bytes) {
      throw new ProtocolViolation("packet truncated: " + bytes + " more bytes expected");
    }
  }

  public static void writeLengthEncoded(ByteBuf out, long value) {
    if (value < 0xFB) {
      out.writeByte((int) value);
    } else if (value < 1 << 16) {
      out.writeByte(0xFC).writeShortLE((int) value);
    } else if (value < 1 << 24) {
      out.writeByte(0xFD).writeMediumLE((int) value);
    } else {
      out.writeByte(0xFE).writeLongLE(value);
    }
  }

  public static void writeLengthEncoded(ByteBuf out, byte[] bytes) {
    writeLengthEncoded(out, bytes.length);
    out.writeBytes(bytes);
  }

  public static void writeLengthEncoded(ByteBuf out, String s) {
    writeLengthEncoded(out, s.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeNulTerminated(ByteBuf out, String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8)).writeByte(0);
  }

  /** How many bytes {@link #writeLengthEncoded(ByteBuf, long)} takes for {@code value}. */
  public static int lengthEncodedSize(long value) {
    return value < 0xFB ? 1 : value < 1 << 16 ? 3 : value < 1 << 24 ? 4 : 9;
  }
}
