package dev.warden.protocol.postgres.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every backend message: literal bytes decode to the record, and the record encodes to them. */
class BackendMessageTest {

  static Stream<Arguments> messages() {
    Map<Character, String> fields = new LinkedHashMap<>();
    fields.put('S', "ERROR");
    fields.put('C', "42501");
    fields.put('M', "denied");
    return Stream.of(
        Arguments.of(Bytes.of().i32(0).frame('R'), new AuthenticationOk()),
        Arguments.of(Bytes.of().i32(3).frame('R'), new AuthenticationCleartextPassword()),
        Arguments.of(
            Bytes.of().i32(5).i32(0x01020304).frame('R'),
            new AuthenticationMd5Password(0x01020304)),
        Arguments.of(
            Bytes.of().i32(10).cstr("SCRAM-SHA-256-PLUS").cstr("SCRAM-SHA-256").i8(0).frame('R'),
            new AuthenticationSasl(List.of("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"))),
        Arguments.of(
            Bytes.of().i32(11).str("r=abc,s=c2FsdA==,i=4096").frame('R'),
            new AuthenticationSaslContinue("r=abc,s=c2FsdA==,i=4096")),
        Arguments.of(
            Bytes.of().i32(12).str("v=c2ln").frame('R'), new AuthenticationSaslFinal("v=c2ln")),
        Arguments.of(Bytes.of().i32(1234).i32(-99).frame('K'), new BackendKeyData(1234, -99)),
        Arguments.of(Bytes.of().frame('2'), new BindComplete()),
        Arguments.of(Bytes.of().frame('3'), new CloseComplete()),
        Arguments.of(Bytes.of().cstr("SELECT 5").frame('C'), new CommandComplete("SELECT 5")),
        Arguments.of(
            Bytes.of().i8(0).i16(2).i16(0).i16(0).frame('W'),
            new CopyBothResponse(0, List.of(0, 0))),
        Arguments.of(
            Bytes.of().str("row\n").frame('d'),
            new CopyData(Unpooled.copiedBuffer("row\n", StandardCharsets.US_ASCII))),
        Arguments.of(Bytes.of().frame('c'), new CopyDone()),
        Arguments.of(Bytes.of().i8(0).i16(1).i16(0).frame('G'), new CopyInResponse(0, List.of(0))),
        Arguments.of(Bytes.of().i8(1).i16(1).i16(1).frame('H'), new CopyOutResponse(1, List.of(1))),
        Arguments.of(
            Bytes.of().i16(3).i32(2).str("42").i32(-1).i32(0).frame('D'),
            new DataRow(
                Arrays.asList(
                    Unpooled.copiedBuffer("42", StandardCharsets.US_ASCII),
                    null,
                    Unpooled.EMPTY_BUFFER))),
        Arguments.of(Bytes.of().frame('I'), new EmptyQueryResponse()),
        Arguments.of(
            Bytes.of()
                .i8('S')
                .cstr("ERROR")
                .i8('C')
                .cstr("42501")
                .i8('M')
                .cstr("denied")
                .i8(0)
                .frame('E'),
            new ErrorResponse(fields)),
        Arguments.of(
            Bytes.of().i32(0).i32(1).cstr("_pq_.x").frame('v'),
            new NegotiateProtocolVersion(0, List.of("_pq_.x"))),
        Arguments.of(Bytes.of().frame('n'), new NoData()),
        Arguments.of(
            Bytes.of()
                .i8('S')
                .cstr("ERROR")
                .i8('C')
                .cstr("42501")
                .i8('M')
                .cstr("denied")
                .i8(0)
                .frame('N'),
            new NoticeResponse(fields)),
        Arguments.of(
            Bytes.of().i32(77).cstr("jobs").cstr("go").frame('A'),
            new NotificationResponse(77, "jobs", "go")),
        Arguments.of(
            Bytes.of().i16(2).i32(23).i32(25).frame('t'),
            new ParameterDescription(List.of(23, 25))),
        Arguments.of(
            Bytes.of().cstr("TimeZone").cstr("UTC").frame('S'),
            new ParameterStatus("TimeZone", "UTC")),
        Arguments.of(Bytes.of().frame('1'), new ParseComplete()),
        Arguments.of(Bytes.of().frame('s'), new PortalSuspended()),
        Arguments.of(
            Bytes.of().i8('T').frame('Z'), new ReadyForQuery(TransactionStatus.IN_TRANSACTION)),
        Arguments.of(
            Bytes.of().i16(1).cstr("id").i32(16384).i16(1).i32(20).i16(8).i32(-1).i16(0).frame('T'),
            new RowDescription(
                List.of(
                    new RowDescription.Field(
                        "id", 16384, (short) 1, 20, (short) 8, -1, (short) 0)))));
  }

  @ParameterizedTest
  @MethodSource("messages")
  void decodesAndEncodes(ByteBuf frame, BackendMessage expected) {
    assertThat(BackendMessage.decode(frame.duplicate())).isEqualTo(expected);
    ByteBuf encoded = Unpooled.buffer();
    expected.encode(encoded);
    assertThat(Bytes.hex(encoded)).isEqualTo(Bytes.hex(frame));
  }

  @Test
  void errorResponseHelpers() {
    ErrorResponse error = ErrorResponse.of("FATAL", "28P01", "bad key", "make a new one");
    assertThat(error.severity()).isEqualTo("FATAL");
    assertThat(error.sqlState()).isEqualTo("28P01");
    assertThat(error.message()).isEqualTo("bad key");
    assertThat(error.fields()).containsEntry('H', "make a new one");
    assertThat(error.isFatal()).isTrue();
    assertThat(ErrorResponse.of("ERROR", "42501", "x", null).isFatal()).isFalse();
  }

  @Test
  void commandCompleteRowCounts() {
    assertThat(new CommandComplete("SELECT 5").rows()).isEqualTo(5);
    assertThat(new CommandComplete("INSERT 0 12").rows()).isEqualTo(12);
    assertThat(new CommandComplete("CREATE TABLE").rows()).isEqualTo(-1);
    assertThat(new CommandComplete("BEGIN").rows()).isEqualTo(-1);
  }

  @Test
  void malformedBackendMessagesAreViolations() {
    assertThatThrownBy(() -> BackendMessage.decode(Bytes.of().i32(99).frame('R')))
        .hasMessageContaining("authentication method 99");
    assertThatThrownBy(() -> BackendMessage.decode(Bytes.of().i8('Q').frame('Z')))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(() -> BackendMessage.decode(Bytes.of().i16(1).i32(100).frame('D')))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(() -> BackendMessage.decode(Bytes.of().i16(5).frame('T')))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(() -> BackendMessage.decode(Bytes.of().frame('?')))
        .isInstanceOf(ProtocolViolation.class);
  }

  @Test
  void keyDataSecretStaysOutOfToString() {
    assertThat(new BackendKeyData(1, 987654).toString()).doesNotContain("987654");
  }
}
