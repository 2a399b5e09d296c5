package dev.warden.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The admin HTTP listener: {@code GET /health} (200 while the gateway serves, 503 otherwise) and
 * {@code GET /metrics} (Prometheus text format). Requests run on virtual threads.
 */
public final class AdminServer implements AutoCloseable {
  private final HttpServer server;
  private final ExecutorService executor;

  private AdminServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  public static AdminServer start(
      String host, int port, BooleanSupplier healthy, PrometheusMeterRegistry metrics)
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
        "/", exchange -> respond(exchange, 404, "application/json", "{\"error\":\"not found\"}\n"));
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.start();
    return new AdminServer(server, executor);
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
