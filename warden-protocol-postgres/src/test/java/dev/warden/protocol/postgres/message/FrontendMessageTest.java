package dev.warden.protocol.postgres.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every frontend message: literal bytes decode to the record, and the record encodes to them. */
class FrontendMessageTest {

  static Stream<Arguments> messages() {
    ByteBuf param = Unpooled.copiedBuffer("42", StandardCharsets.US_ASCII);
    return Stream.of(
        Arguments.of(Bytes.of().cstr("SELECT 1").frame('Q'), new Query("SELECT 1")),
        Arguments.of(
            Bytes.of().cstr("s1").cstr("SELECT $1").i16(1).i32(23).frame('P'),
            new Parse("s1", "SELECT $1", List.of(23))),
        Arguments.of(
            Bytes.of()
                .cstr("p1")
                .cstr("s1")
                .i16(1)
                .i16(0)
                .i16(2)
                .i32(2)
                .str("42")
                .i32(-1)
                .i16(1)
                .i16(1)
                .frame('B'),
            new Bind("p1", "s1", List.of(0), Arrays.asList(param, null), List.of(1))),
        Arguments.of(
            Bytes.of().i8('S').cstr("s1").frame('D'), new Describe(Target.STATEMENT, "s1")),
        Arguments.of(Bytes.of().i8('P').cstr("").frame('D'), new Describe(Target.PORTAL, "")),
        Arguments.of(Bytes.of().cstr("p1").i32(100).frame('E'), new Execute("p1", 100)),
        Arguments.of(Bytes.of().i8('S').cstr("s1").frame('C'), new Close(Target.STATEMENT, "s1")),
        Arguments.of(Bytes.of().frame('S'), new Sync()),
        Arguments.of(Bytes.of().frame('H'), new Flush()),
        Arguments.of(Bytes.of().frame('X'), new Terminate()),
        Arguments.of(Bytes.of().cstr("wdn_key").frame('p'), new PasswordMessage("wdn_key")),
        Arguments.of(
            Bytes.of().str("1,a\n").frame('d'),
            new CopyData(Unpooled.copiedBuffer("1,a\n", StandardCharsets.US_ASCII))),
        Arguments.of(Bytes.of().frame('c'), new CopyDone()),
        Arguments.of(Bytes.of().cstr("aborted").frame('f'), new CopyFail("aborted")),
        Arguments.of(
            Bytes.of().i32(2626).i16(0).i16(0).i16(0).frame('F'),
            new FunctionCall(2626, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 0, 0}))));
  }

  @ParameterizedTest
  @MethodSource("messages")
  void decodesAndEncodes(ByteBuf frame, FrontendMessage expected) {
    assertThat(FrontendMessage.decode(frame.duplicate())).isEqualTo(expected);
    ByteBuf encoded = Unpooled.buffer();
    expected.encode(encoded);
    assertThat(Bytes.hex(encoded)).isEqualTo(Bytes.hex(frame));
  }

  @Test
  void saslMessagesDecodeInTheirPhase() {
    ByteBuf initial = Bytes.of().cstr("SCRAM-SHA-256").i32(5).str("n,,n=").frame('p');
    SaslInitialResponse decoded = SaslInitialResponse.decodeBody(Wire.body(initial));
    assertThat(decoded).isEqualTo(new SaslInitialResponse("SCRAM-SHA-256", "n,,n="));
    ByteBuf encoded = Unpooled.buffer();
    decoded.encode(encoded);
    assertThat(Bytes.hex(encoded)).isEqualTo(Bytes.hex(initial));

    ByteBuf response = Bytes.of().str("c=biws,r=x,p=y").frame('p');
    assertThat(SaslResponse.decodeBody(Wire.body(response)))
        .isEqualTo(new SaslResponse("c=biws,r=x,p=y"));
    ByteBuf encodedResponse = Unpooled.buffer();
    new SaslResponse("c=biws,r=x,p=y").encode(encodedResponse);
    assertThat(Bytes.hex(encodedResponse)).isEqualTo(Bytes.hex(response));
  }

  @Test
  void secretsStayOutOfToString() {
    assertThat(new PasswordMessage("wdn_secret").toString()).doesNotContain("wdn_secret");
    assertThat(new SaslResponse("p=proof").toString()).doesNotContain("proof");
  }

  @Test
  void trailingBytesAreAViolation() {
    ByteBuf frame = Bytes.of().cstr("SELECT 1").cstr("DROP TABLE x").frame('Q');
    assertThatThrownBy(() -> FrontendMessage.decode(frame))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void unterminatedStringIsAViolation() {
    assertThatThrownBy(() -> FrontendMessage.decode(Bytes.of().str("SELECT 1").frame('Q')))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("NUL-terminated");
  }

  @Test
  void unknownTypeIsAViolation() {
    assertThatThrownBy(() -> FrontendMessage.decode(Bytes.of().frame('y')))
        .isInstanceOf(ProtocolViolation.class)
        .hasMessageContaining("unknown frontend message type 'y'");
    assertThatThrownBy(() -> FrontendMessage.decode(Bytes.of().frame((char) 1)))
        .hasMessageContaining("0x01");
  }

  @Test
  void truncatedOrLyingCountsAreViolations() {
    assertThatThrownBy(
            () -> FrontendMessage.decode(Bytes.of().cstr("").cstr("q").i16(1000).frame('P')))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(
            () ->
                FrontendMessage.decode(
                    Bytes.of().cstr("").cstr("").i16(0).i16(1).i32(1000).i16(0).frame('B')))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(
            () ->
                FrontendMessage.decode(
                    Bytes.of().cstr("").cstr("").i16(1).i16(7).i16(0).i16(0).frame('B')))
        .hasMessageContaining("format code 7");
    assertThatThrownBy(() -> FrontendMessage.decode(Bytes.of().cstr("p").frame('E')))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(() -> FrontendMessage.decode(Bytes.of().i8('X').cstr("s").frame('D')))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(() -> FrontendMessage.decode(Bytes.of().i8('S').frame('S').writeByte(0)))
        .isInstanceOf(ProtocolViolation.class);
  }
}
