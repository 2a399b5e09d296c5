package dev.warden.protocol.postgres.message;

import io.netty.buffer.ByteBuf;

/** A message the server sends. */
public sealed interface BackendMessage
    permits AuthenticationCleartextPassword,
        AuthenticationMd5Password,
        AuthenticationOk,
        AuthenticationSasl,
        AuthenticationSaslContinue,
        AuthenticationSaslFinal,
        BackendKeyData,
        BindComplete,
        CloseComplete,
        CommandComplete,
        CopyBothResponse,
        CopyData,
        CopyDone,
        CopyInResponse,
        CopyOutResponse,
        DataRow,
        EmptyQueryResponse,
        ErrorResponse,
        NegotiateProtocolVersion,
        NoData,
        NoticeResponse,
        NotificationResponse,
        ParameterDescription,
        ParameterStatus,
        ParseComplete,
        PortalSuspended,
        ReadyForQuery,
        RowDescription {

  /** Writes the whole message: type byte, length and body. */
  void encode(ByteBuf out);

  /** Decodes one whole typed frame (type byte, length, body); the body must be consumed exactly. */
  static BackendMessage decode(ByteBuf frame) {
    ByteBuf body = Wire.body(frame);
    BackendMessage message =
        switch (Wire.type(frame)) {
          case Authentication.TYPE -> decodeAuthentication(body);
          case BackendKeyData.TYPE -> BackendKeyData.decodeBody(body);
          case BindComplete.TYPE -> new BindComplete();
          case CloseComplete.TYPE -> new CloseComplete();
          case CommandComplete.TYPE -> CommandComplete.decodeBody(body);
          case CopyBothResponse.TYPE -> CopyBothResponse.decodeBody(body);
          case CopyData.TYPE -> CopyData.decodeBody(body);
          case CopyDone.TYPE -> new CopyDone();
          case CopyInResponse.TYPE -> CopyInResponse.decodeBody(body);
          case CopyOutResponse.TYPE -> CopyOutResponse.decodeBody(body);
          case DataRow.TYPE -> DataRow.decodeBody(body);
          case EmptyQueryResponse.TYPE -> new EmptyQueryResponse();
          case ErrorResponse.TYPE -> ErrorResponse.decodeBody(body);
          case NegotiateProtocolVersion.TYPE -> NegotiateProtocolVersion.decodeBody(body);
          case NoData.TYPE -> new NoData();
          case NoticeResponse.TYPE -> NoticeResponse.decodeBody(body);
          case NotificationResponse.TYPE -> NotificationResponse.decodeBody(body);
          case ParameterDescription.TYPE -> ParameterDescription.decodeBody(body);
          case ParameterStatus.TYPE -> ParameterStatus.decodeBody(body);
          case ParseComplete.TYPE -> new ParseComplete();
          case PortalSuspended.TYPE -> new PortalSuspended();
          case ReadyForQuery.TYPE -> ReadyForQuery.decodeBody(body);
          case RowDescription.TYPE -> RowDescription.decodeBody(body);
          default ->
              throw new ProtocolViolation(
                  "unknown backend message type 0x" + Integer.toHexString(Wire.type(frame)));
        };
    Wire.requireFullyRead(body, message.getClass().getSimpleName());
    return message;
  }

  private static BackendMessage decodeAuthentication(ByteBuf body) {
    Wire.requireReadable(body, 4, "Authentication");
    int code = body.readInt();
    return switch (code) {
      case Authentication.OK -> new AuthenticationOk();
      case Authentication.CLEARTEXT_PASSWORD -> new AuthenticationCleartextPassword();
      case Authentication.MD5_PASSWORD -> {
        Wire.requireReadable(body, 4, "AuthenticationMD5Password");
        yield new AuthenticationMd5Password(body.readInt());
      }
      case Authentication.SASL -> {
        java.util.List<String> mechanisms = new java.util.ArrayList<>();
        for (String m = Wire.readCString(body); !m.isEmpty(); m = Wire.readCString(body)) {
          mechanisms.add(m);
        }
        yield new AuthenticationSasl(mechanisms);
      }
      case Authentication.SASL_CONTINUE -> new AuthenticationSaslContinue(readRemaining(body));
      case Authentication.SASL_FINAL -> new AuthenticationSaslFinal(readRemaining(body));
      default -> throw new ProtocolViolation("unsupported authentication method " + code);
    };
  }

  private static String readRemaining(ByteBuf body) {
    return body.readCharSequence(body.readableBytes(), java.nio.charset.StandardCharsets.UTF_8)
        .toString();
  }
}
