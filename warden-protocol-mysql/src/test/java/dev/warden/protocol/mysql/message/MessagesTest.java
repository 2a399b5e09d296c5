package dev.warden.protocol.mysql.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MessagesTest {
  private static final byte[] SCRAMBLE = "abcdefghijklmnopqrst".getBytes(StandardCharsets.US_ASCII);

  @Test
  void handshakeRoundTrips() {
    int caps =
        Capabilities.PROTOCOL_41
            | Capabilities.SECURE_CONNECTION
            | Capabilities.PLUGIN_AUTH
            | Capabilities.SSL;
    HandshakeV10 h =
        new HandshakeV10("10.11.19-MariaDB", 42, SCRAMBLE, caps, 45, 2, "caching_sha2_password", 0);
    ByteBuf bytes = h.encode();
    assertThat(HandshakeV10.decode(bytes)).isEqualTo(h);
    assertThat(bytes.isReadable()).isFalse();
  }

  @Test
  void aHandshakeResponseCarriesATokenLongerThan250BytesLengthEncoded() {
    byte[] jwt = ("eyJ" + "x".repeat(900)).getBytes(StandardCharsets.US_ASCII);
    int caps =
        Capabilities.PROTOCOL_41
            | Capabilities.SECURE_CONNECTION
            | Capabilities.PLUGIN_AUTH
            | Capabilities.PLUGIN_AUTH_LENENC_CLIENT_DATA
            | Capabilities.CONNECT_WITH_DB
            | Capabilities.CONNECT_ATTRS;
    HandshakeResponse41 r =
        new HandshakeResponse41(
            caps,
            1 << 24,
            45,
            "agent",
            jwt,
            "shop",
            "mysql_clear_password",
            Map.of("_client_name", "libmariadb"));
    ByteBuf bytes = r.encode();
    HandshakeResponse41 decoded = HandshakeResponse41.decode(bytes);
    assertThat(decoded).isEqualTo(r);
    assertThat(decoded.toString()).doesNotContain("eyJ");
  }

  @Test
  void aChangeUserRoundTripsAndNeverShowsItsAuthResponse() {
    int caps =
        Capabilities.PROTOCOL_41
            | Capabilities.SECURE_CONNECTION
            | Capabilities.PLUGIN_AUTH
            | Capabilities.CONNECT_ATTRS;
    ChangeUser c =
        new ChangeUser(
            "approver",
            "wk_secret".getBytes(StandardCharsets.US_ASCII),
            "shop",
            45,
            "mysql_native_password",
            Map.of("_client_name", "libmariadb"));
    ByteBuf bytes = c.encode(caps);
    assertThat(ChangeUser.decode(bytes, caps)).isEqualTo(c);
    assertThat(bytes.isReadable()).isFalse();
    assertThat(c.toString()).doesNotContain("wk_secret");
    // An old client's: nothing after the schema.
    ByteBuf old = Unpooled.buffer();
    old.writeByte(Command.COM_CHANGE_USER).writeBytes("u\0".getBytes(StandardCharsets.US_ASCII));
    old.writeByte(2).writeBytes("pw".getBytes(StandardCharsets.US_ASCII)).writeByte(0);
    ChangeUser plain = ChangeUser.decode(old, caps);
    assertThat(plain.schema()).isEmpty();
    assertThat(plain.authPluginName()).isNull();
  }

  @Test
  void anSslRequestIsTheFirst32BytesWithTheSslFlag() {
    SslRequest request = new SslRequest(Capabilities.SSL | Capabilities.PROTOCOL_41, 1 << 24, 45);
    ByteBuf bytes = request.encode();
    assertThat(SslRequest.is(bytes)).isTrue();
    assertThat(SslRequest.decode(bytes)).isEqualTo(request);
  }

  @Test
  void okErrAndEofPackets() {
    ByteBuf ok = new OkPacket(3, 7, ServerStatus.AUTOCOMMIT, 1, "").encode();
    assertThat(OkPacket.decode(ok)).isEqualTo(new OkPacket(3, 7, ServerStatus.AUTOCOMMIT, 1, ""));
    ErrPacket err = new ErrPacket(1142, "42000", "denied by rule \"no-ddl\"");
    assertThat(ErrPacket.decode(err.encode())).isEqualTo(err);
    // Literal bytes of a server's ERR: code 1064, #42000, message.
    byte[] literal = {(byte) 0xFF, 0x28, 0x04, '#', '4', '2', '0', '0', '0', 'x'};
    assertThat(ErrPacket.decode(Unpooled.wrappedBuffer(literal)))
        .isEqualTo(new ErrPacket(1064, "42000", "x"));
    EofPacket eof = new EofPacket(0, ServerStatus.MORE_RESULTS_EXISTS);
    Packet packet = new Packet(3, eof.encode());
    assertThat(EofPacket.is(packet)).isTrue();
    assertThat(OkPacket.endsRows(packet)).isTrue();
    assertThat(EofPacket.decode(packet.payload())).isEqualTo(eof);
  }

  @Test
  void columnDefinitionRoundTrips() {
    ColumnDefinition41 c =
        new ColumnDefinition41(
            "def",
            "shop",
            "c",
            "customers",
            "card",
            "card_number",
            45,
            80,
            ColumnType.VAR_STRING,
            0,
            0);
    assertThat(ColumnDefinition41.decode(c.encode())).isEqualTo(c);
    assertThat(c.textual()).isTrue();
  }

  @Test
  void commandsDecodeByTheirFirstByte() {
    assertThat(Command.decode(Command.text(Command.COM_QUERY, "SELECT 1")))
        .isEqualTo(new Command.ComQuery("SELECT 1"));
    assertThat(Command.decode(Unpooled.wrappedBuffer(new byte[] {0x0E})))
        .isEqualTo(new Command.ComPing());
    assertThat(Command.decode(Unpooled.wrappedBuffer(new byte[] {0x19, 5, 0, 0, 0})))
        .isEqualTo(new Command.ComStmtClose(5));
    assertThat(Command.decode(Unpooled.wrappedBuffer(new byte[] {0x7A})))
        .isEqualTo(new Command.Unknown(0x7A));
    assertThatThrownBy(() -> Command.decode(Unpooled.wrappedBuffer(new byte[] {0x19, 5})))
        .isInstanceOf(ProtocolViolation.class);
  }

  @Test
  void anExecuteIsReadWithItsStatementsParameterCount() {
    ByteBuf in = Unpooled.buffer();
    in.writeByte(Command.COM_STMT_EXECUTE).writeIntLE(1).writeByte(0).writeIntLE(1);
    in.writeByte(0b010); // the second of three parameters is NULL
    in.writeByte(1); // types follow
    in.writeShortLE(ColumnType.LONGLONG).writeShortLE(ColumnType.VAR_STRING);
    in.writeShortLE(ColumnType.LONG | ComStmtExecute.UNSIGNED);
    in.writeLongLE(-5);
    in.writeIntLE(-1);
    ComStmtExecute e = ComStmtExecute.decode(in, 3, null, null);
    assertThat(e.statementId()).isEqualTo(1);
    assertThat(e.values()).hasSize(3);
    assertThat(e.values().get(1)).isNull();
    assertThat(BinaryValues.text(e.types()[0], e.values().get(0))).isEqualTo("-5");
    assertThat(BinaryValues.text(e.types()[2], e.values().get(2))).isEqualTo("4294967295");
    // The same execute, truncated, is a violation.
    ByteBuf truncated = Unpooled.buffer().writeByte(0x17).writeIntLE(1).writeByte(0).writeIntLE(1);
    truncated.writeByte(0).writeByte(1).writeShortLE(ColumnType.LONGLONG).writeIntLE(1);
    assertThatThrownBy(() -> ComStmtExecute.decode(truncated, 1, null, null))
        .isInstanceOf(ProtocolViolation.class);
  }

  @Test
  void lengthEncodedIntegersAtEachWidth() {
    for (long v : List.of(0L, 250L, 251L, 65535L, 65536L, 16777215L, 16777216L, 1L << 40)) {
      ByteBuf b = Unpooled.buffer();
      Wire.writeLengthEncoded(b, v);
      assertThat(b.readableBytes()).isEqualTo(Wire.lengthEncodedSize(v));
      assertThat(Wire.readLengthEncoded(b)).isEqualTo(v);
    }
  }
}
