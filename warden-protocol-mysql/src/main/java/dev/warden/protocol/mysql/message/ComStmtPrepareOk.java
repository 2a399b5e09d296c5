package dev.warden.protocol.mysql.message;

import io.netty.buffer.ByteBuf;

/**
 * The answer to a successful COM_STMT_PREPARE: the statement's id and how many columns and
 * parameters it has (their definitions follow as packets of their own).
 */
public record ComStmtPrepareOk(long statementId, int columns, int parameters, int warnings) {
  public static ComStmtPrepareOk decode(ByteBuf in) {
    Wire.need(in, 10);
    if (in.readUnsignedByte() != OkPacket.HEADER) {
      throw new ProtocolViolation("not a COM_STMT_PREPARE_OK");
    }
    long id = in.readUnsignedIntLE();
    int columns = in.readUnsignedShortLE();
    int parameters = in.readUnsignedShortLE();
    in.skipBytes(1);
    int warnings = in.readableBytes() >= 2 ? in.readUnsignedShortLE() : 0;
    in.skipBytes(in.readableBytes());
    return new ComStmtPrepareOk(id, columns, parameters, warnings);
  }
}
