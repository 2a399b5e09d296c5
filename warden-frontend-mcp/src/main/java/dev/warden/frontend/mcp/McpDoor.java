package dev.warden.frontend.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.config.WardenConfig;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The MCP door: an HTTPS listener ({@code listen.mcp}) that serves the Model Context Protocol
 * (2025-11-25) over Streamable HTTP at {@code /mcp} with the official MCP Java SDK, and the OAuth
 * protected resource metadata (RFC 9728) at {@code /.well-known/oauth-protected-resource}. Every
 * request is authenticated by its bearer token ({@link BearerFilter}); every statement a tool runs
 * goes through Warden's own PostgreSQL door in a session of the caller's identity ({@link
 * AgentSessions}), so the kernel decides, masks, holds and records it as for any client.
 */
public final class McpDoor implements AutoCloseable {
  /** Where the endpoint is served. */
  public static final String ENDPOINT = "/mcp";

  static final String METADATA = "/.well-known/oauth-protected-resource";

  private final Server jetty;
  private final McpSyncServer mcp;
  private final AgentSessions sessions;

  private McpDoor(Server jetty, McpSyncServer mcp, AgentSessions sessions) {
    this.jetty = jetty;
    this.mcp = mcp;
    this.sessions = sessions;
  }

  /**
   * Starts the door on {@code settings.listener()} with the gateway's certificate ({@code tls}).
   * {@code postgresPort}, {@code mysqlPort}: where the gateway's own PostgreSQL and MySQL doors
   * listen (the agents' statements go through them; -1: no MySQL door).
   */
  public static McpDoor start(
      ServerContext server,
      WardenConfig.Mcp settings,
      SSLContext tls,
      IntSupplier postgresPort,
      IntSupplier mysqlPort,
      String version)
      throws IOException {
    McpJsonMapper mapper = new JacksonMcpJsonMapper(new ObjectMapper());
    HttpServletStreamableServerTransportProvider transport =
        HttpServletStreamableServerTransportProvider.builder()
            .jsonMapper(mapper)
            .mcpEndpoint(ENDPOINT)
            .keepAliveInterval(Duration.ofSeconds(30))
            .contextExtractor(
                (HttpServletRequest request) -> {
                  Object caller = request.getAttribute(Caller.ATTRIBUTE);
                  return caller == null
                      ? McpTransportContext.EMPTY
                      : McpTransportContext.create(Map.of(Caller.ATTRIBUTE, caller));
                })
            .build();
    AgentSessions sessions = new AgentSessions(server, postgresPort, mysqlPort);
    Tools tools = new Tools(server, settings, sessions, mapper);
    McpSyncServer mcp =
        McpServer.sync(transport)
            .serverInfo("warden", version)
            .jsonMapper(mapper)
            .instructions(
                "Warden is the gateway to these databases: every statement is decided by policy,"
                    + " regulated columns come back masked, and some statements wait for a"
                    + " person's approval. Start with list_connections; read with query; change"
                    + " with execute. A refusal names the rule and what to do next.")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
            .tools(tools.all())
            .build();

    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("warden-mcp");
    threads.setVirtualThreadsExecutor(
        java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    Server jetty = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // The gateway's certificate may name a host other than the one clients dial (the development
    // one names localhost): clients check it, as on the wire.
    secure.setSniHostCheck(false);
    http.addCustomizer(secure);
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setSslContext(tls);
    ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    ServerConnector connector =
        new ServerConnector(
            jetty, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    connector.setHost(settings.listener().host());
    connector.setPort(settings.listener().port());
    jetty.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    ResourceMetadata metadata = new ResourceMetadata(server.config());
    context.addServlet(new ServletHolder(metadata), METADATA);
    context.addServlet(new ServletHolder(metadata), METADATA + ENDPOINT);
    ServletHolder endpoint = new ServletHolder(transport);
    endpoint.setAsyncSupported(true);
    context.addServlet(endpoint, ENDPOINT);
    FilterHolder bearer =
        new FilterHolder(
            new BearerFilter(
                server.authenticator(),
                server.admissions(),
                settings.allowedOrigins(),
                ResourceMetadata::url,
                sessions));
    bearer.setAsyncSupported(true);
    context.addFilter(bearer, ENDPOINT, EnumSet.of(DispatcherType.REQUEST));
    jetty.setHandler(context);
    try {
      jetty.start();
    } catch (Exception e) {
      sessions.close();
      mcp.close();
      throw new IOException(
          "cannot start the MCP door on "
              + settings.listener().host()
              + ":"
              + settings.listener().port()
              + ": "
              + e.getMessage(),
          e);
    }
    return new McpDoor(jetty, mcp, sessions);
  }

  /** The port the door listens on. */
  public int port() {
    return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
  }

  @Override
  public void close() {
    sessions.close();
    try {
      mcp.closeGracefully();
    } catch (RuntimeException e) {
      // closing anyway
    }
    try {
      jetty.stop();
    } catch (Exception e) {
      // stopping anyway
    }
  }

  /**
   * RFC 9728 metadata: the resource ({@code https://host:port/mcp}, as the client addressed it: a
   * client checks that the resource is the server it dialled), the issuers whose tokens it accepts,
   * and how a token is sent.
   */
  static final class ResourceMetadata extends HttpServlet {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final transient WardenConfig config;

    ResourceMetadata(WardenConfig config) {
      this.config = config;
    }

    /** The server as the request addressed it (its Host header). */
    static String base(HttpServletRequest request) {
      String host = request.getServerName();
      if (host.contains(":")) {
        host = "[" + host + "]";
      }
      return "https://" + host + ":" + request.getServerPort();
    }

    /** Where the metadata of the resource a request addressed is. */
    static String url(HttpServletRequest request) {
      return base(request) + METADATA + ENDPOINT;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
        throws IOException {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("resource", base(request) + ENDPOINT);
      List<String> issuers =
          config.oidcIssuers().stream()
              .map(dev.warden.gateway.config.OidcIssuerSettings::issuer)
              .toList();
      body.put("authorization_servers", issuers);
      body.put("bearer_methods_supported", List.of("header"));
      body.put("resource_name", "Warden database gateway");
      response.setContentType("application/json");
      response.getOutputStream().write(JSON.writeValueAsBytes(body));
    }
  }
}
