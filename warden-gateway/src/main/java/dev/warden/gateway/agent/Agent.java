package dev.warden.gateway.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.gateway.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code warden agent}: runs in the database's network and dials out to the gateway's {@code
 * listen.agents} over TLS (the gateway's certificate checked against {@code tls}), authenticates
 * with its key on the control stream, and for each tunnel the gateway asks for connects to the
 * database — only to an address it was told to allow — and carries the session's bytes on a stream
 * of its own. Reconnects with capped exponential backoff and jitter when the connection is lost;
 * sessions that were on it end (their databases see the close), new ones work once it is back. A
 * second agent of the same name (a replica) stands by while the first answers, and takes over when
 * its link ends.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration FIRST_RETRY = Duration.ofMillis(200);
  private static final Duration LAST_RETRY = Duration.ofSeconds(30);

  /**
   * What the agent needs: where the gateway is and the name its certificate is checked against, the
   * agent's name and key, the {@code host:port} addresses it may connect to, and how often a quiet
   * link is checked ({@link Keepalive}).
   */
  public record Settings(
      String gatewayHost,
      int gatewayPort,
      String serverName,
      String name,
      String key,
      Set<String> allowed,
      Duration connectTimeout,
      Duration keepalive) {
    public Settings {
      allowed = Set.copyOf(allowed);
    }
  }

  private final Settings settings;
  private final SslContext tls;
  private final Transport transport;
  private final EventLoopGroup group;
  private volatile boolean closed;
  private volatile Channel connection;
  private volatile boolean connected;
  private long retryMillis = FIRST_RETRY.toMillis();

  public Agent(Settings settings, SslContext tls, Transport transport) {
    this.settings = settings;
    this.tls = tls;
    this.transport = transport;
    this.group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
  }

  /** Starts dialing the gateway; returns at once. */
  public Agent start() {
    group.execute(this::dial);
    return this;
  }

  private void dial() {
    if (closed) {
      return;
    }
    new Bootstrap()
        .group(group)
        .channel(transport.channelClass())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
        .handler(
            new ChannelInitializer<>() {
              @Override
              protected void initChannel(Channel ch) {
                SslHandler ssl =
                    tls.newHandler(ch.alloc(), settings.serverName(), settings.gatewayPort());
                var parameters = ssl.engine().getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.engine().setSSLParameters(parameters);
                ch.pipeline().addLast("tls", ssl);
                Keepalive.install(ch.pipeline(), "tls", settings.keepalive(), "gateway");
                ch.pipeline()
                    .addLast(
                        "http2",
                        Http2FrameCodecBuilder.forClient()
                            .initialSettings(
                                Http2Settings.defaultSettings()
                                    .initialWindowSize(AgentHub.STREAM_WINDOW)
                                    .pushEnabled(false))
                            .build());
                ch.pipeline()
                    .addLast(
                        "streams",
                        new Http2MultiplexHandler(
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelActive(ChannelHandlerContext ctx) {
                                ctx.close(); // the gateway opens no streams
                              }
                            }));
                ch.pipeline().addLast("agent", new Connected());
              }
            })
        .connect(settings.gatewayHost(), settings.gatewayPort())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                LOG.warn(
                    "cannot reach the gateway at {}:{}: {}",
                    settings.gatewayHost(),
                    settings.gatewayPort(),
                    f.cause().getMessage());
                retry();
              }
            });
  }

  private void retry() {
    connected = false;
    if (closed) {
      return;
    }
    long wait = retryMillis / 2 + ThreadLocalRandom.current().nextLong(retryMillis / 2 + 1);
    retryMillis = Math.min(retryMillis * 2, LAST_RETRY.toMillis());
    group.schedule(this::dial, wait, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    closed = true;
    Channel c = connection;
    if (c != null) {
      c.close();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** The connection to the gateway: once TLS is up, the control stream; its end, a retry. */
  private final class Connected extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent done) {
        if (!done.isSuccess()) {
          LOG.warn("TLS with the gateway failed: {}", done.cause().getMessage());
          ctx.close();
        } else {
          connection = ctx.channel();
          ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(AgentHub.CONNECTION_WINDOW_BOOST));
          openControl(ctx.channel());
        }
      }
      ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (connected) {
        LOG.warn("connection to the gateway lost; reconnecting");
      }
      retry();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("gateway connection failed: {}", cause.toString());
      ctx.close();
    }
  }

  private void openControl(Channel parent) {
    new Http2StreamChannelBootstrap(parent)
        .handler(new Control(parent))
        .open()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                parent.close();
                return;
              }
              Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
              Http2Headers headers = request(AgentHub.CONTROL_PATH);
              headers.set(AgentHub.AGENT_HEADER, settings.name());
              headers.set("authorization", "Bearer " + settings.key());
              stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false));
            });
  }

  private Http2Headers request(String path) {
    return new DefaultHttp2Headers()
        .method("POST")
        .scheme("https")
        .authority(settings.serverName())
        .path(path);
  }

  /** The control stream: the gateway's answer, then one JSON line per tunnel it asks for. */
  private final class Control extends ChannelInboundHandlerAdapter {
    private final Channel parent;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    Control(Channel parent) {
      this.parent = parent;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame headers) {
          String status = String.valueOf(headers.headers().status());
          if (status.equals("200")) {
            connected = true;
            retryMillis = FIRST_RETRY.toMillis();
            LOG.info(
                "agent {} connected to the gateway at {}:{}",
                settings.name(),
                settings.gatewayHost(),
                settings.gatewayPort());
          } else if (!connected && status.equals(AgentHub.STANDBY)) {
            LOG.info(
                "agent {} stands by: an agent of the same name is connected to the gateway and"
                    + " answers; this one dials again and takes over when that link ends",
                settings.name());
            parent.close();
          } else if (!connected) {
            LOG.error(
                "the gateway refused agent {} (HTTP {}): check its name and key",
                settings.name(),
                status);
            parent.close();
          }
        } else if (msg instanceof Http2DataFrame data) {
          ByteBuf content = data.content();
          while (content.isReadable()) {
            byte b = content.readByte();
            if (b == '\n') {
              request(parent, line.toString(StandardCharsets.UTF_8));
              line.reset();
            } else if (line.size() < 8192) {
              line.write(b);
            }
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      parent.close();
    }
  }

  /** A tunnel the gateway asks for: connect to the database, then carry it on a new stream. */
  private void request(Channel parent, String text) {
    String id;
    String host;
    int port;
    try {
      JsonNode request = JSON.readTree(text);
      id = request.path("tunnel").asText();
      host = request.path("host").asText();
      port = request.path("port").asInt();
    } catch (Exception e) {
      LOG.warn("unreadable tunnel request from the gateway: {}", e.getMessage());
      return;
    }
    String target = host + ":" + port;
    if (!settings.allowed().contains(target)) {
      LOG.warn(
          "tunnel {} refused: {} is not an address this agent may reach (--allow)", id, target);
      refuse(parent, id, target + " is not allowed by the agent (--allow)");
      return;
    }
    new Bootstrap()
        .group(parent.eventLoop())
        .channel(transport.channelClass())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
        .handler(new ChannelInboundHandlerAdapter())
        .connect(host, port)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                LOG.warn("tunnel {}: cannot reach {}: {}", id, target, f.cause().getMessage());
                refuse(parent, id, "the agent cannot reach " + target);
                return;
              }
              Channel database = ((io.netty.channel.ChannelFuture) f).channel();
              openTunnel(parent, id, null, database);
            });
  }

  private void refuse(Channel parent, String id, String reason) {
    openTunnel(parent, id, reason, null);
  }

  /**
   * Opens the stream of tunnel {@code id}: joined to {@code database}, or, with a {@code reason},
   * ended at once with the reason in its headers.
   */
  private void openTunnel(Channel parent, String id, String reason, Channel database) {
    new Http2StreamChannelBootstrap(parent)
        .handler(new ChannelInboundHandlerAdapter())
        .open()
        .addListener(
            s -> {
              if (!s.isSuccess()) {
                if (database != null) {
                  database.close();
                }
                return;
              }
              Http2StreamChannel stream = (Http2StreamChannel) s.getNow();
              Http2Headers headers = request(AgentHub.TUNNEL_PATH);
              headers.set(AgentHub.TUNNEL_HEADER, id);
              if (reason != null) {
                headers.set(AgentHub.ERROR_HEADER, reason);
              }
              stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, reason != null));
              if (database != null) {
                Tunnel.join(stream, database);
              }
            });
  }
}
