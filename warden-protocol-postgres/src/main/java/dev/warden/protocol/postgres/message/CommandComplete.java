package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The CommandComplete message: a statement finished; the tag names it and counts rows. */
public record CommandComplete(String tag) implements BackendMessage {
  public static final char TYPE = 'C';

  static CommandComplete decodeBody(ByteBuf body) {
    return new CommandComplete(Wire.readCString(body));
  }

  /** The row count at the end of the tag ("SELECT 5", "INSERT 0 5"), or -1 when it has none. */
  public long rows() {
    int space = tag.lastIndexOf(' ');
    if (space < 0) {
      return -1;
    }
    try {
      return Long.parseLong(tag, space + 1, tag.length(), 10);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void encode(ByteBuf out) {
    int lengthIndex = Wire.begin(out, TYPE);
    Wire.writeCString(out, tag);
    Wire.end(out, lengthIndex);
  }
}
