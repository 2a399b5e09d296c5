package dev.warden.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.identity.Credential;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP listener: {@code GET /health} (200 while the gateway serves, 503 otherwise),
 * {@code GET /metrics} (Prometheus text format), and the authenticated API: {@code GET /sessions}
 * needs a bearer token (an OIDC token from a trusted issuer, or a service key) whose roles grant
 * permission {@code sessions:read}. Requests run on virtual threads.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
  private final HttpServer server;
  private final ExecutorService executor;

  private AdminServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static final String SESSIONS_READ = "sessions:read";
  private static final ObjectMapper JSON = new ObjectMapper();

  public static AdminServer start(
      String host,
      int port,
      BooleanSupplier healthy,
      PrometheusMeterRegistry metrics,
      Authenticator authenticator,
      SessionDirectory sessions)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    server.createContext(
        "/health",
        exchange -> {
          boolean ok = healthy.getAsBoolean();
          respond(
              exchange,
              ok ? 200 : 503,
              "application/json",
              ok ? "{\"status\":\"ok\"}\n" : "{\"status\":\"unavailable\"}\n");
        });
    server.createContext(
        "/metrics",
        exchange ->
            respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.createContext(
        "/sessions",
        exchange -> {
          Authenticated caller = authorize(exchange, authenticator, SESSIONS_READ);
          if (caller != null) {
            respond(
                exchange,
                200,
                "application/json",
                JSON.writeValueAsString(Map.of("sessions", sessions.sessions())) + "\n");
          }
        });
    server.createContext(
        "/", exchange -> respond(exchange, 404, "application/json", "{\"error\":\"not found\"}\n"));
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.start();
    return new AdminServer(server, executor);
  }

  /**
   * The caller of an API request, or null after answering 401 (no or bad credential) or 403 (no
   * permission). The credential is never echoed.
   */
  private static Authenticated authorize(
      HttpExchange exchange, Authenticator authenticator, String permission) throws IOException {
    String header = exchange.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
      respond(
          exchange,
          401,
          "application/json",
          error("send Authorization: Bearer <token or service key>"));
      return null;
    }
    Authenticated caller;
    try {
      caller = authenticator.authenticate(new Credential(header.substring(7).strip()));
    } catch (WardenException e) {
      LOG.info(
          "admin API: authentication failed from {}: {}",
          exchange.getRemoteAddress(),
          e.getMessage());
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      respond(exchange, 401, "application/json", error(e.getMessage()));
      return null;
    }
    if (!caller.hasPermission(permission)) {
      respond(
          exchange,
          403,
          "application/json",
          error("identity \"" + caller.identity().subject() + "\" lacks permission " + permission));
      return null;
    }
    return caller;
  }

  private static String error(String message) throws IOException {
    return JSON.writeValueAsString(Map.of("error", message)) + "\n";
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")) {
        status = 405;
        body = "{\"error\":\"method not allowed\"}\n";
        contentType = "application/json";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
