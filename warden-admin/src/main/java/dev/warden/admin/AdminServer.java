package dev.warden.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.identity.Credential;
import dev.warden.core.identity.CredentialShapes;
import dev.warden.core.policy.PolicyVersions;
import dev.warden.core.session.SessionDirectory;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP listener: {@code GET /health} (200 while the gateway serves, 503 otherwise),
 * {@code GET /ready} (200 once it can take traffic: listening, audit store, policy, issuers' keys),
 * {@code GET /metrics} (Prometheus text format), and the authenticated API: {@code GET /sessions}
 * needs a bearer token (an OIDC token from a trusted issuer, or a service key) whose roles grant
 * permission {@code sessions:read}; {@code GET /policy} (the policy version in force, the versions
 * loaded with their SHA-256, the last rejected reload) and {@code GET /policy/versions/N} (a loaded
 * version's text) need {@code policy:read}. Requests run on virtual threads.
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
  public static final String POLICY_READ = "policy:read";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Starts the admin API. {@code policy}, {@code audit} (with its checkpoints' public keys), {@code
   * approvals}, {@code grants}, {@code trial} (what-if of a draft policy) and {@code console} (the
   * web console's sign-in) may be null: their endpoints are then absent. {@code tls}: serve HTTPS
   * with it (null: plain HTTP).
   */
  public static AdminServer start(
      String host,
      int port,
      BooleanSupplier healthy,
      PrometheusMeterRegistry metrics,
      Authenticator authenticator,
      SessionDirectory sessions,
      PolicyVersions policy,
      dev.warden.store.AuditStore audit,
      List<java.security.PublicKey> auditKeys,
      dev.warden.core.approval.Approvals approvals,
      dev.warden.core.approval.Grants grants,
      PolicyTrial trial,
      ConsoleSettings console,
      javax.net.ssl.SSLContext tls,
      java.util.function.Supplier<Map<String, Boolean>> readiness)
      throws IOException {
    HttpServer server;
    if (tls == null) {
      server = HttpServer.create(new InetSocketAddress(host, port), 64);
    } else {
      // HTTPS with the gateway's own certificate: tokens, keys and the console's cookie never
      // travel in clear.
      com.sun.net.httpserver.HttpsServer https =
          com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(host, port), 64);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
      server = https;
    }
    if (grants != null) {
      GrantApi api = new GrantApi(grants);
      server.createContext(
          "/api/grants",
          exchange -> {
            Authenticated caller = authorize(exchange, authenticator, GrantApi.GRANTS_MANAGE);
            if (caller != null) {
              api.handle(exchange, caller);
            }
          });
    }
    if (approvals != null) {
      ApprovalApi api = new ApprovalApi(approvals);
      server.createContext(
          "/api/approvals",
          exchange -> {
            Authenticated caller = authorize(exchange, authenticator, null);
            if (caller != null) {
              api.handle(exchange, caller);
            }
          });
    }
    if (console != null) {
      Console pages =
          new Console(
              console,
              authenticator,
              new Console.Apis(
                  approvals == null ? null : new ApprovalApi(approvals),
                  audit == null ? null : new AuditApi(audit, auditKeys),
                  trial == null ? null : new PolicyTrialApi(trial),
                  grants == null ? null : new GrantApi(grants),
                  policy),
              new java.security.SecureRandom(),
              java.time.Clock.systemUTC());
      server.createContext("/console", pages::handle);
    }
    if (trial != null) {
      PolicyTrialApi api = new PolicyTrialApi(trial);
      server.createContext(
          "/api/policy/what-if",
          exchange -> {
            if (authorize(exchange, authenticator, POLICY_READ) != null) {
              api.handle(exchange);
            }
          });
    }
    server.createContext(
        "/api/openapi.yaml",
        exchange -> {
          try (var in = AdminServer.class.getResourceAsStream("/openapi.yaml")) {
            respond(
                exchange,
                200,
                "application/yaml",
                new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
          }
        });
    if (audit != null) {
      AuditApi api = new AuditApi(audit, auditKeys);
      server.createContext(
          "/api/sessions",
          exchange -> {
            if (authorize(exchange, authenticator, AuditApi.AUDIT_READ) != null) {
              api.sessions(exchange);
            }
          });
      server.createContext(
          "/api/audit",
          exchange -> {
            if (authorize(exchange, authenticator, AuditApi.AUDIT_READ) != null) {
              api.audit(exchange);
            }
          });
    }
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
        "/ready",
        exchange -> {
          // Ready to take traffic: listening, and everything a statement needs is there — the
          // audit store accepts records, the policy is loaded, every issuer's keys are cached.
          Map<String, Boolean> checks =
              readiness == null ? Map.of("listening", healthy.getAsBoolean()) : readiness.get();
          boolean ready = checks.values().stream().allMatch(Boolean::booleanValue);
          Map<String, Object> body = new java.util.LinkedHashMap<>();
          body.put("status", ready ? "ready" : "not ready");
          body.put("checks", checks);
          respond(
              exchange,
              ready ? 200 : 503,
              "application/json",
              JSON.writeValueAsString(body) + "\n");
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
        "/policy",
        exchange -> {
          Authenticated caller = authorize(exchange, authenticator, POLICY_READ);
          if (caller == null) {
            return;
          }
          if (policy == null) {
            respond(exchange, 404, "application/json", error("no policy is configured"));
            return;
          }
          String rest = exchange.getRequestURI().getPath().substring("/policy".length());
          if (rest.isEmpty() || rest.equals("/")) {
            respond(exchange, 200, "application/json", JSON.writeValueAsString(policy(policy)));
            return;
          }
          PolicyVersions.Version version =
              rest.startsWith("/versions/")
                  ? policy.history().stream()
                      .filter(v -> rest.equals("/versions/" + v.number()))
                      .findFirst()
                      .orElse(null)
                  : null;
          if (version == null) {
            respond(exchange, 404, "application/json", error("no such policy version"));
          } else {
            respond(exchange, 200, "application/json", version.text());
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
      send(
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
          CredentialShapes.redact(e.getMessage()));
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      send(exchange, 401, "application/json", error(e.getMessage()));
      return null;
    }
    if (permission != null && !caller.hasPermission(permission)) {
      send(
          exchange,
          403,
          "application/json",
          error("identity \"" + caller.identity().subject() + "\" lacks permission " + permission));
      return null;
    }
    return caller;
  }

  /** The version in force, the versions loaded (without their text), the last rejection. */
  private static Map<String, Object> policy(PolicyVersions policy) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("current", describe(policy.current()));
    out.put("versions", policy.history().stream().map(AdminServer::describe).toList());
    out.put(
        "lastRejection",
        policy
            .lastRejection()
            .map(
                r -> {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("sha256", r.sha256());
                  m.put("at", r.at().toString());
                  m.put("source", r.source());
                  m.put("error", r.error());
                  return m;
                })
            .orElse(null));
    return out;
  }

  private static Map<String, Object> describe(PolicyVersions.Version v) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", v.number());
    m.put("sha256", v.sha256());
    m.put("loadedAt", v.loadedAt().toString());
    m.put("source", v.source());
    return m;
  }

  static String error(String message) throws IOException {
    return JSON.writeValueAsString(Map.of("error", message)) + "\n";
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Answers a GET-only endpoint: any other method gets 405 (and must not have acted). */
  static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    if (!exchange.getRequestMethod().equals("GET")) {
      send(exchange, 405, "application/json", "{\"error\":\"method not allowed\"}\n");
    } else {
      send(exchange, status, contentType, body);
    }
  }

  /** Answers as given, whatever the method (endpoints that route methods themselves). */
  static void send(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    try (exchange) {
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
