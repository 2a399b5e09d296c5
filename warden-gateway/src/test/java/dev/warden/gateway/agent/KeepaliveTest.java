package dev.warden.gateway.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KeepaliveTest {
  private static EmbeddedChannel link() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast("tls", new ChannelInboundHandlerAdapter());
    Keepalive.install(channel.pipeline(), "tls", Duration.ofSeconds(15), "test");
    return channel;
  }

  private static void quiet(EmbeddedChannel channel, boolean first) {
    channel
        .pipeline()
        .fireUserEventTriggered(
            first
                ? IdleStateEvent.FIRST_READER_IDLE_STATE_EVENT
                : IdleStateEvent.READER_IDLE_STATE_EVENT);
  }

  @Test
  void aQuietLinkIsPingedAndDroppedAfterThreeQuietIntervals() {
    EmbeddedChannel channel = link();
    quiet(channel, true);
    assertThat((Object) channel.readOutbound()).isInstanceOf(Http2PingFrame.class);
    quiet(channel, false);
    assertThat((Object) channel.readOutbound()).isInstanceOf(Http2PingFrame.class);
    assertThat(channel.isOpen()).isTrue();
    quiet(channel, false);
    assertThat(channel.isOpen()).as("three intervals without a byte").isFalse();
  }

  @Test
  void anythingReceivedStartsTheCountAgain() {
    EmbeddedChannel channel = link();
    quiet(channel, true);
    quiet(channel, false);
    long before = System.nanoTime();
    channel.writeInbound("a PING answer"); // the idle handler then starts again from "first"
    assertThat(Keepalive.heardSince(channel, before)).isTrue();
    quiet(channel, true);
    quiet(channel, false);
    assertThat(channel.isOpen()).as("two quiet intervals since the last byte").isTrue();
    assertThat(Keepalive.heardSince(channel, System.nanoTime())).isFalse();
    channel.finishAndReleaseAll();
  }
}
