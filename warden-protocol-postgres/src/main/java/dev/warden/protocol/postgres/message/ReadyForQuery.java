package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** The ReadyForQuery message: the server is idle; the status tells the transaction state. */
public record ReadyForQuery(TransactionStatus status) implements BackendMessage {
  public static final char TYPE = 'Z';

  /** 'I' idle, 'T' in a transaction block, 'E' in a failed transaction block. */
  public enum TransactionStatus {
    IDLE('I'),
    IN_TRANSACTION('T'),
    FAILED('E');

    private final char code;

    TransactionStatus(char code) {
      this.code = code;
    }

    public char code() {
      return code;
    }

    public static TransactionStatus of(byte code) {
      return switch (code) {
        case 'I' -> IDLE;
        case 'T' -> IN_TRANSACTION;
        case 'E' -> FAILED;
        default -> throw new ProtocolViolation("unknown transaction status " + code);
      };
    }
  }

  static ReadyForQuery decodeBody(ByteBuf body) {
    Wire.requireReadable(body, 1, "ReadyForQuery");
    return new ReadyForQuery(TransactionStatus.of(body.readByte()));
  }

  @Override
  public void encode(ByteBuf out) {
    out.writeByte(TYPE).writeInt(5).writeByte(status.code());
  }
}
