package dev.warden.gateway.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.identity.ServiceKey;
import dev.warden.gateway.ConnectionGate;
import dev.warden.gateway.FrontDoor;
import dev.warden.gateway.Transport;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.gateway.config.WardenConfig.Connection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's end of the agent tunnels: the {@code listen.agents} door agents dial into, the
 * agents connected now, and for each connection routed through an agent a Unix socket (in a
 * directory only this process may use) that the PostgreSQL and MySQL doors dial as if it were the
 * database. Each socket connection becomes one HTTP/2 stream of that agent's connection: the
 * session's own event loop keeps its socket; the socket's other end lives on the agent connection's
 * event loop with the stream.
 */
public final class AgentHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentHub.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AttributeKey<Link> LINK = AttributeKey.valueOf("warden.agent.link");
  static final String CONTROL_PATH = "/v1/agent";
  static final String TUNNEL_PATH = "/v1/tunnel";
  static final String AGENT_HEADER = "warden-agent";
  static final String TUNNEL_HEADER = "warden-tunnel";
  static final String ERROR_HEADER = "warden-tunnel-error";

  /**
   * The answer to an agent whose name is already connected and answering: it stands by, dialing
   * again with its backoff, and takes over when that link ends.
   */
  static final String STANDBY = "409";

  /** How long the link in place has to answer a PING before a newcomer of its name takes over. */
  static final Duration PROBE = Duration.ofSeconds(1);

  /** Stream window: what one stalled session may hold in flight before its stream waits. */
  static final int STREAM_WINDOW = 256 * 1024;

  /** Connection window: room for many streams' windows at once, so one stream never starves it. */
  static final int CONNECTION_WINDOW_BOOST = 64 * 1024 * 1024;

  private final Map<String, ServiceKey.Hash> keys = new HashMap<>();
  private final Map<String, List<Connection>> routes = new HashMap<>();
  private final Map<String, Path> sockets = new LinkedHashMap<>();
  private final Map<String, Link> links = new ConcurrentHashMap<>();

  /** The last tunnel that failed, per connection: what a door tells its client, and when. */
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();

  private record Failure(String reason, long atNanos) {}

  private final Transport transport;
  private final SslContext tls;
  private final Duration openTimeout;
  private final Duration keepalive;
  private final Duration startupTimeout;
  private final Path socketDir;

  private final MeterRegistry metrics;

  /**
   * The hub of {@code config}'s agents; on {@code metrics}: {@code warden.agent.connected} per
   * configured agent (1 while its link is up), {@code warden.agent.tunnels} per agent and outcome
   * ({@code opened}, {@code refused}: the agent could not reach the database or would not, {@code
   * timeout}: no answer within {@code limits.backendConnectTimeout}) and {@code
   * warden.agent.disconnects} per agent (a link that closed, was replaced, or went silent).
   */
  public AgentHub(WardenConfig config, Transport transport, SslContext tls, MeterRegistry metrics) {
    this.metrics = metrics;
    this.transport = transport;
    this.tls = tls;
    this.openTimeout = config.limits().backendConnectTimeout();
    this.keepalive = config.limits().agentKeepalive();
    this.startupTimeout = config.limits().startupTimeout();
    config.agents().keys().forEach(k -> keys.put(k.name(), ServiceKey.parse(k.keyHash())));
    for (String name : keys.keySet()) {
      Gauge.builder("warden.agent.connected", links, l -> connected(l, name))
          .description("1 while the agent's link to this gateway is up")
          .tag("agent", name)
          .register(metrics);
    }
    try {
      socketDir =
          Files.createTempDirectory(
              "warden-agents",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the agent tunnels' socket directory", e);
    }
    int n = 0;
    for (Connection c : config.connections().values()) {
      if (c.viaAgent()) {
        routes.computeIfAbsent(c.agent(), a -> new java.util.ArrayList<>()).add(c);
        sockets.put(c.name(), socketDir.resolve(n++ + ".sock"));
      }
    }
  }

  /**
   * Where a door dials the database of a connection routed through an agent, or null when that
   * agent is not connected to this gateway now.
   */
  public Path socket(Connection connection) {
    Link link = links.get(connection.agent());
    return link == null || !link.parent.isActive() ? null : sockets.get(connection.name());
  }

  /**
   * Why a tunnel to {@code connection} failed within the last {@code within}, in words for the
   * session's client: which agent, and what to look at (the details, with the database's address,
   * stay in the gateway's log).
   */
  public Optional<String> recentFailure(Connection connection, Duration within) {
    Failure failure = failures.get(connection.name());
    if (failure == null || System.nanoTime() - failure.atNanos() > within.toNanos()) {
      return Optional.empty();
    }
    return Optional.of(failure.reason());
  }

  private void failed(Connection connection, String reason) {
    failures.put(connection.name(), new Failure(reason, System.nanoTime()));
  }

  private static double connected(Map<String, Link> links, String name) {
    Link link = links.get(name);
    return link != null && link.parent.isActive() ? 1 : 0;
  }

  private void count(String name, String what, String outcome) {
    Counter.Builder counter = Counter.builder(what).tag("agent", name);
    if (outcome != null) {
      counter.tag("outcome", outcome);
    }
    counter.register(metrics).increment();
  }

  /** The door agents dial into ({@code listen.agents}): TLS, then HTTP/2. */
  public FrontDoor door() {
    return new FrontDoor() {
      @Override
      public String setting() {
        return "listen.agents";
      }

      @Override
      public ChannelHandler initializer() {
        return new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            // Until its control stream authenticates, a connection holds one of the gateway's
            // starting places (ConnectionGate): it gets limits.startupTimeout to do so.
            var unauthenticated =
                ch.eventLoop()
                    .schedule(
                        () -> {
                          if (ch.attr(LINK).get() == null) {
                            LOG.info(
                                "agent connection from {} did not authenticate within {}: closed",
                                ch.remoteAddress(),
                                startupTimeout);
                            ch.close();
                          }
                        },
                        startupTimeout.toMillis(),
                        TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> unauthenticated.cancel(false));
            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
            Keepalive.install(ch.pipeline(), "tls", keepalive, "agent");
            ch.pipeline()
                .addLast(
                    "http2",
                    Http2FrameCodecBuilder.forServer()
                        .initialSettings(
                            Http2Settings.defaultSettings()
                                .initialWindowSize(STREAM_WINDOW)
                                .maxConcurrentStreams(100_000))
                        .build());
            ch.pipeline()
                .addLast(
                    "streams",
                    new Http2MultiplexHandler(
                        new ChannelInitializer<>() {
                          @Override
                          protected void initChannel(Channel stream) {
                            stream.pipeline().addLast("start", new StreamStart());
                          }
                        }));
            ch.pipeline().addLast("agent", new Parent());
          }
        };
      }
    };
  }

  @Override
  public void close() {
    links.values().forEach(l -> l.parent.close());
    try (var files = Files.list(socketDir)) {
      for (Path p : files.toList()) {
        Files.deleteIfExists(p);
      }
      Files.deleteIfExists(socketDir);
    } catch (IOException e) {
      LOG.debug("agent socket directory {} not removed: {}", socketDir, e.toString());
    }
  }

  /** The agent connection itself: a bigger connection window; its end ends the link. */
  private final class Parent extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW_BOOST));
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Link link = ctx.channel().attr(LINK).getAndSet(null);
      if (link != null) {
        link.down();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug(
          "agent connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  /** An agent's first frame on a stream says what the stream is: control, a tunnel, or neither. */
  private final class StreamStart extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Http2HeadersFrame frame)) {
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      Http2Headers headers = frame.headers();
      Channel stream = ctx.channel();
      Channel parent = stream.parent();
      String path = String.valueOf(headers.path());
      switch (path) {
        case CONTROL_PATH -> control(ctx, stream, parent, headers);
        case TUNNEL_PATH -> {
          Link link = parent.attr(LINK).get();
          if (link == null) {
            respond(stream, "401", true).addListener(ChannelFutureListener.CLOSE);
          } else {
            ctx.pipeline().remove(this);
            link.opened(stream, headers);
          }
        }
        default -> respond(stream, "404", true).addListener(ChannelFutureListener.CLOSE);
      }
    }

    private void control(
        ChannelHandlerContext ctx, Channel stream, Channel parent, Http2Headers headers) {
      String name = String.valueOf(headers.get(AGENT_HEADER));
      CharSequence authorization = headers.get("authorization");
      ServiceKey.Hash hash = keys.get(name);
      String key =
          authorization == null || !authorization.toString().startsWith("Bearer ")
              ? ""
              : authorization.toString().substring("Bearer ".length());
      if (hash == null || !hash.matches(key) || parent.attr(LINK).get() != null) {
        LOG.warn(
            "agent connection from {} refused: {}",
            parent.remoteAddress(),
            hash == null ? "no agent named '" + name + "' is configured" : "wrong key");
        respond(stream, "401", true).addListener(f -> parent.close());
        return;
      }
      Link previous = links.get(name);
      if (previous == null || !previous.parent.isActive()) {
        accept(ctx, stream, parent, name);
        return;
      }
      // The same agent again (a second replica, or a restart whose old link is not yet found
      // dead): the link in place keeps its sessions while it answers a PING; else the newcomer
      // takes over.
      long asked = System.nanoTime();
      Keepalive.ping(previous.parent);
      parent
          .eventLoop()
          .schedule(
              () -> {
                if (!parent.isActive()) {
                  return;
                }
                if (links.get(name) == previous
                    && previous.parent.isActive()
                    && Keepalive.heardSince(previous.parent, asked)) {
                  LOG.info(
                      "agent {} from {} stands by: the same agent is connected from {} and"
                          + " answers; this one takes over when that link ends",
                      name,
                      parent.remoteAddress(),
                      previous.parent.remoteAddress());
                  respond(stream, STANDBY, true).addListener(f -> parent.close());
                } else {
                  accept(ctx, stream, parent, name);
                }
              },
              PROBE.toMillis(),
              TimeUnit.MILLISECONDS);
    }

    /** The agent is who it says: its link is up (the one before it, if any, ends). */
    private void accept(ChannelHandlerContext ctx, Channel stream, Channel parent, String name) {
      Link link = new Link(name, parent, stream);
      Link previous = links.put(name, link);
      if (previous != null) {
        LOG.info(
            "agent {} reconnected from {}; its earlier connection ends",
            name,
            parent.remoteAddress());
        previous.parent.attr(LINK).set(null);
        previous.down();
        previous.parent.close();
      }
      parent.attr(LINK).set(link);
      ConnectionGate.established(parent); // a link now, no longer a starting connection
      ctx.pipeline().replace(this, "control", new ControlStream(link));
      respond(stream, "200", false);
      link.up();
    }
  }

  /** The control stream: the agent sends nothing more on it; its end ends the link. */
  private static final class ControlStream extends ChannelInboundHandlerAdapter {
    private final Link link;

    ControlStream(Link link) {
      this.link = link;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      link.parent.close();
      ctx.fireChannelInactive();
    }
  }

  static io.netty.channel.ChannelFuture respond(Channel stream, String status, boolean end) {
    return stream.writeAndFlush(
        new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(status), end));
  }

  /** A door's session waiting for its tunnel, and the connection it is for. */
  private record Asked(Channel session, Connection connection) {}

  /**
   * One connected agent: its connection, its control stream, a Unix socket per connection routed
   * through it, and the tunnels asked for and not yet opened. All on the connection's event loop.
   */
  private final class Link {
    private final String name;
    private final Channel parent;
    private final Channel control;
    private final List<Channel> listeners = new java.util.ArrayList<>();
    private final Map<String, Asked> pending = new HashMap<>();
    private long nextTunnel;

    Link(String name, Channel parent, Channel control) {
      this.name = name;
      this.parent = parent;
      this.control = control;
    }

    void up() {
      for (Connection c : routes.getOrDefault(name, List.of())) {
        Path path = sockets.get(c.name());
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          LOG.warn("cannot remove stale socket {}: {}", path, e.toString());
        }
        var bound =
            new ServerBootstrap()
                .group(parent.eventLoop())
                .channel(transport.domainServerChannelClass())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(
                    new ChannelInitializer<>() {
                      @Override
                      protected void initChannel(Channel session) {
                        ask(session, c);
                      }
                    })
                .bind(transport.domainAddress(path));
        listeners.add(bound.channel());
      }
      LOG.info(
          "agent {} connected from {} (connections: {})",
          name,
          parent.remoteAddress(),
          routes.getOrDefault(name, List.of()).stream().map(Connection::name).toList());
    }

    void down() {
      links.remove(name, this);
      count(name, "warden.agent.disconnects", null);
      listeners.forEach(Channel::close);
      pending.values().forEach(a -> a.session().close());
      pending.clear();
      for (Connection c : routes.getOrDefault(name, List.of())) {
        try {
          Files.deleteIfExists(sockets.get(c.name()));
        } catch (IOException e) {
          LOG.debug("socket {} not removed: {}", sockets.get(c.name()), e.toString());
        }
      }
      LOG.warn("agent {} disconnected; sessions through it end", name);
    }

    /** A door dialed the connection's socket: ask the agent for a tunnel to its database. */
    void ask(Channel session, Connection c) {
      String id = Long.toString(++nextTunnel);
      Asked asked = new Asked(session, c);
      pending.put(id, asked);
      session.closeFuture().addListener(f -> pending.remove(id, asked));
      Map<String, Object> request = new LinkedHashMap<>();
      request.put("tunnel", id);
      request.put("connection", c.name());
      request.put("host", c.host());
      request.put("port", c.port());
      byte[] line;
      try {
        line = (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      control.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(line)));
      parent
          .eventLoop()
          .schedule(
              () -> {
                if (pending.remove(id, asked)) {
                  count(name, "warden.agent.tunnels", "timeout");
                  failed(
                      c,
                      "agent '"
                          + name
                          + "' opened no tunnel to it within "
                          + openTimeout.toSeconds()
                          + " s (is the agent overloaded, or its network to the database slow?"
                          + " see the agent's log)");
                  LOG.warn(
                      "agent {} opened no tunnel to connection {} within {}",
                      name,
                      c.name(),
                      openTimeout);
                  session.close();
                }
              },
              openTimeout.toMillis(),
              TimeUnit.MILLISECONDS);
    }

    /** The agent opened the stream of a tunnel asked for (or says why it could not). */
    void opened(Channel stream, Http2Headers headers) {
      Asked asked = pending.remove(String.valueOf(headers.get(TUNNEL_HEADER)));
      Channel session = asked == null ? null : asked.session();
      if (session == null || !session.isActive()) {
        stream.close();
        return;
      }
      CharSequence error = headers.get(ERROR_HEADER);
      if (error != null) {
        count(name, "warden.agent.tunnels", "refused");
        failed(
            asked.connection(),
            "agent '"
                + name
                + "' could not open a tunnel to it: "
                + (String.valueOf(error).contains("--allow")
                    ? "the database's address is not among the agent's --allow addresses"
                    : "the agent cannot reach the database")
                + " (the gateway's and the agent's logs say more)");
        LOG.warn("agent {} could not open a tunnel: {}", name, error);
        session.close();
        stream.close();
        return;
      }
      count(name, "warden.agent.tunnels", "opened");
      // An earlier failure no longer explains this connection's (a later one is the database's).
      failures.remove(asked.connection().name());
      respond(stream, "200", false);
      Tunnel.join(stream, session);
    }
  }
}
