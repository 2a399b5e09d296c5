package dev.warden.protocol.postgres.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartupPacketTest {

  private static StartupPacket decode(ByteBuf whole) {
    return StartupPacket.decode(whole.skipBytes(4));
  }

  private static void roundTrip(ByteBuf whole, StartupPacket expected) {
    assertThat(decode(whole.duplicate())).isEqualTo(expected);
    ByteBuf encoded = Unpooled.buffer();
    expected.encode(encoded);
    assertThat(Bytes.hex(encoded)).isEqualTo(Bytes.hex(whole));
  }

  @Test
  void startupMessage() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("user", "agent");
    params.put("database", "shop");
    roundTrip(
        Bytes.of()
            .i32(196608)
            .cstr("user")
            .cstr("agent")
            .cstr("database")
            .cstr("shop")
            .i8(0)
            .untyped(),
        new StartupMessage(3, 0, params));
  }

  @Test
  void sslGssAndCancelRequests() {
    roundTrip(Bytes.of().i32(80877103).untyped(), new SslRequest());
    roundTrip(Bytes.of().i32(80877104).untyped(), new GssEncRequest());
    roundTrip(Bytes.of().i32(80877102).i32(42).i32(-7).untyped(), new CancelRequest(42, -7));
  }

  @Test
  void newerMinorVersionIsKept() {
    StartupPacket packet =
        decode(Bytes.of().i32((3 << 16) | 2).cstr("user").cstr("a").i8(0).untyped());
    assertThat(packet)
        .isInstanceOfSatisfying(
            StartupMessage.class, m -> assertThat(m.minorVersion()).isEqualTo(2));
  }

  @Test
  void malformedPacketsAreViolations() {
    assertThatThrownBy(() -> decode(Bytes.of().i32(196608).cstr("user").cstr("a").untyped()))
        .isInstanceOf(ProtocolViolation.class);
    assertThatThrownBy(
            () ->
                decode(
                    Bytes.of()
                        .i32(196608)
                        .cstr("user")
                        .cstr("a")
                        .cstr("user")
                        .cstr("b")
                        .i8(0)
                        .untyped()))
        .hasMessageContaining("repeats");
    assertThatThrownBy(() -> decode(Bytes.of().i32(80877103).i32(1).untyped()))
        .hasMessageContaining("trailing");
    assertThatThrownBy(() -> decode(Bytes.of().i32(80877102).i32(1).untyped()))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> decode(Bytes.of().i8(1).untyped()))
        .isInstanceOf(ProtocolViolation.class);
  }
}
