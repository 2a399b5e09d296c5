package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** A message a client sends after startup. */
public sealed interface FrontendMessage
    permits Bind,
        Close,
        CopyData,
        CopyDone,
        CopyFail,
        Describe,
        Execute,
        Flush,
        FunctionCall,
        Parse,
        PasswordMessage,
        Query,
        SaslInitialResponse,
        SaslResponse,
        Sync,
        Terminate {

  /** Writes the whole message: type byte, length and body. */
  void encode(ByteBuf out);

  /**
   * Decodes one whole typed frame (type byte, length, body). The body must be consumed exactly:
   * Warden decides on what it decoded, so it refuses anything the server could read differently. A
   * 'p' frame decodes as a {@link PasswordMessage}; the SASL forms have their own decoders.
   */
  static FrontendMessage decode(ByteBuf frame) {
    ByteBuf body = Wire.body(frame);
    char type = Wire.type(frame);
    FrontendMessage message =
        switch (type) {
          case Query.TYPE -> Query.decodeBody(body);
          case Parse.TYPE -> Parse.decodeBody(body);
          case Bind.TYPE -> Bind.decodeBody(body);
          case Describe.TYPE -> Describe.decodeBody(body);
          case Execute.TYPE -> Execute.decodeBody(body);
          case Close.TYPE -> Close.decodeBody(body);
          case Sync.TYPE -> new Sync();
          case Flush.TYPE -> new Flush();
          case Terminate.TYPE -> new Terminate();
          case PasswordMessage.TYPE -> PasswordMessage.decodeBody(body);
          case CopyData.TYPE -> CopyData.decodeBody(body);
          case CopyDone.TYPE -> new CopyDone();
          case CopyFail.TYPE -> CopyFail.decodeBody(body);
          case FunctionCall.TYPE -> FunctionCall.decodeBody(body);
          default ->
              throw new ProtocolViolation(
                  "unknown frontend message type '" + printable(type) + "'");
        };
    Wire.requireFullyRead(body, message.getClass().getSimpleName());
    return message;
  }

  private static String printable(char type) {
    return type >= 0x20 && type < 0x7F ? String.valueOf(type) : String.format("0x%02x", (int) type);
  }
}
