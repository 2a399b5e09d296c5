package dev.warden.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.warden.core.error.WardenException;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.identity.Credential;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console under {@code /console} on the admin listener. People sign in with the
 * organisation's OIDC issuer (authorization code with PKCE); the ID token is checked by the
 * gateway's authenticator like any token, and roles come from its groups as everywhere else. Only
 * an identity with an admin permission gets in (an agent's token sees nothing here). A session is a
 * random id in an HttpOnly, SameSite=Lax cookie (Secure over TLS); every state change carries the
 * session's CSRF token in {@code X-CSRF-Token}; every answer carries a strict
 * Content-Security-Policy; every asset is in the jar. Pages: the approvals inbox.
 */
final class Console {
  private static final Logger LOG = LoggerFactory.getLogger(Console.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String COOKIE = "warden_console";
  static final String CSRF_HEADER = "X-CSRF-Token";

  /** The admin permissions that open the console. */
  static final List<String> PERMISSIONS =
      List.of(
          ApprovalApi.APPROVALS_READ,
          AuditApi.AUDIT_READ,
          AdminServer.POLICY_READ,
          AdminServer.SESSIONS_READ,
          "grants:manage");

  /** The admin API behind the console's pages (each null when the gateway has none). */
  record Apis(
      ApprovalApi approvals,
      AuditApi audit,
      PolicyTrialApi trial,
      GrantApi grants,
      dev.warden.core.policy.PolicyVersions policy) {}

  private final Authenticator authenticator;
  private final OidcCodeFlow flow;
  private final ConsoleSessions sessions;
  private final Apis apis;
  private final Clock clock;

  Console(
      ConsoleSettings settings,
      Authenticator authenticator,
      Apis apis,
      SecureRandom random,
      Clock clock) {
    this.authenticator = authenticator;
    this.flow = new OidcCodeFlow(settings.issuer(), settings.clientId(), random);
    this.sessions = new ConsoleSessions(clock);
    this.apis = apis;
    this.clock = clock;
  }

  void handle(HttpExchange exchange) throws IOException {
    headers(exchange);
    String path = exchange.getRequestURI().getPath();
    try {
      switch (path) {
        case "/console/login" -> login(exchange);
        case "/console/callback" -> callback(exchange);
        case "/console/app.js" -> asset(exchange, "app.js", "text/javascript; charset=utf-8");
        case "/console/app.css" -> asset(exchange, "app.css", "text/css; charset=utf-8");
        default -> signedIn(exchange, path);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      AdminServer.send(exchange, 503, "text/plain", "interrupted\n");
    }
  }

  /** Pages and API calls that need a session. */
  private void signedIn(HttpExchange exchange, String path) throws IOException {
    ConsoleSessions.Session session = sessions.find(cookie(exchange));
    boolean api = path.startsWith("/console/api/");
    if (session == null) {
      if (api) {
        AdminServer.send(exchange, 401, "application/json", AdminServer.error("sign in first"));
      } else {
        redirect(exchange, "/console/login");
      }
      return;
    }
    String method = exchange.getRequestMethod();
    if (!method.equals("GET")
        && !ConsoleSessions.csrfMatches(
            session, exchange.getRequestHeaders().getFirst(CSRF_HEADER))) {
      AdminServer.send(
          exchange, 403, "application/json", AdminServer.error("missing or wrong CSRF token"));
      return;
    }
    switch (path) {
      case "/console", "/console/" -> asset(exchange, "index.html", "text/html; charset=utf-8");
      case "/console/logout" -> {
        if (!method.equals("POST")) {
          AdminServer.send(exchange, 405, "application/json", AdminServer.error("POST"));
          return;
        }
        sessions.close(cookie(exchange));
        exchange.getResponseHeaders().add("Set-Cookie", COOKIE + "=; Path=/console; Max-Age=0");
        AdminServer.send(exchange, 200, "application/json", "{\"signedOut\":true}\n");
      }
      case "/console/api/me" -> {
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("subject", session.caller().identity().subject());
        me.put("roles", session.caller().roles().stream().sorted().toList());
        me.put("csrf", session.csrf());
        me.put("expires", session.expires().toString());
        me.put(
            "permissions", PERMISSIONS.stream().filter(session.caller()::hasPermission).toList());
        AdminServer.send(exchange, 200, "application/json", JSON.writeValueAsString(me) + "\n");
      }
      default -> api(exchange, session.caller(), path);
    }
  }

  /** The admin API behind the pages, each part under the permission it needs on its own. */
  private void api(HttpExchange exchange, Authenticated caller, String path) throws IOException {
    if (path.equals("/console/api/approvals/events") && apis.approvals() != null) {
      events(exchange, caller);
    } else if (path.startsWith("/console/api/approvals") && apis.approvals() != null) {
      apis.approvals()
          .handle(exchange, caller, path.substring("/console/api/approvals".length()), true);
    } else if (path.startsWith("/console/api/sessions") && apis.audit() != null) {
      if (allowed(exchange, caller, AuditApi.AUDIT_READ)) {
        apis.audit().sessions(exchange, path.substring("/console/api/sessions".length()));
      }
    } else if (path.equals("/console/api/audit/verify") && apis.audit() != null) {
      if (allowed(exchange, caller, AuditApi.AUDIT_READ)) {
        apis.audit().audit(exchange, "/verify");
      }
    } else if (path.equals("/console/api/audit") && apis.audit() != null) {
      if (allowed(exchange, caller, AuditApi.AUDIT_READ)) {
        // The trail as JSON lines, as warden audit export writes it: a download.
        exchange
            .getResponseHeaders()
            .set("Content-Disposition", "attachment; filename=\"warden-audit.jsonl\"");
        apis.audit().audit(exchange, "");
      }
    } else if (path.equals("/console/api/policy/what-if") && apis.trial() != null) {
      if (allowed(exchange, caller, AdminServer.POLICY_READ)) {
        apis.trial().handle(exchange);
      }
    } else if (path.equals("/console/api/policy/check")) {
      if (allowed(exchange, caller, AdminServer.POLICY_READ)) {
        String draft;
        try (var in = exchange.getRequestBody()) {
          draft = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
        }
        AdminServer.send(
            exchange,
            200,
            "application/json",
            JSON.writeValueAsString(PolicyCheck.check(draft)) + "\n");
      }
    } else if (path.startsWith("/console/api/policy/versions/") && apis.policy() != null) {
      if (allowed(exchange, caller, AdminServer.POLICY_READ)) {
        String n = path.substring("/console/api/policy/versions/".length());
        var version =
            apis.policy().history().stream()
                .filter(v -> String.valueOf(v.number()).equals(n))
                .findFirst();
        if (version.isEmpty()) {
          AdminServer.send(exchange, 404, "application/json", AdminServer.error("no such version"));
        } else {
          AdminServer.send(
              exchange,
              200,
              "application/json",
              JSON.writeValueAsString(Map.of("text", version.get().text())) + "\n");
        }
      }
    } else if (path.equals("/console/api/policy") && apis.policy() != null) {
      if (allowed(exchange, caller, AdminServer.POLICY_READ)) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", apis.policy().current().number());
        out.put("sha256", apis.policy().current().sha256());
        out.put("text", apis.policy().current().text());
        List<Map<String, Object>> versions = new java.util.ArrayList<>();
        for (var v : apis.policy().history()) {
          Map<String, Object> one = new LinkedHashMap<>();
          one.put("number", v.number());
          one.put("sha256", v.sha256());
          one.put("loadedAt", v.loadedAt().toString());
          one.put("source", v.source());
          versions.add(one);
        }
        out.put("versions", versions);
        apis.policy().lastRejection().ifPresent(r -> out.put("rejected", r.error()));
        AdminServer.send(exchange, 200, "application/json", JSON.writeValueAsString(out) + "\n");
      }
    } else if (path.startsWith("/console/api/grants") && apis.grants() != null) {
      if (allowed(exchange, caller, GrantApi.GRANTS_MANAGE)) {
        apis.grants().handle(exchange, caller, path.substring("/console/api/grants".length()));
      }
    } else {
      AdminServer.send(exchange, 404, "application/json", AdminServer.error("not found"));
    }
  }

  /** How long one event stream lives; the browser's EventSource then opens the next. */
  static final java.time.Duration STREAM_LIFETIME = java.time.Duration.ofMinutes(5);

  /**
   * Server-sent events for the inbox: an {@code approvals} event whenever the requests the caller
   * sees change (a new one, a vote, a decision, an expiry), a comment every 15 s to keep the
   * connection open through proxies. Watched on the listener's virtual thread, once a second.
   */
  private void events(HttpExchange exchange, Authenticated caller) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.sendResponseHeaders(200, 0);
    long end = System.nanoTime() + STREAM_LIFETIME.toNanos();
    String last = null;
    int quiet = 0;
    try (exchange;
        var out = exchange.getResponseBody()) {
      while (System.nanoTime() < end) {
        String now = apis.approvals().fingerprint(caller);
        if (!now.equals(last)) {
          out.write(
              ("event: approvals\ndata: " + now.hashCode() + "\n\n")
                  .getBytes(StandardCharsets.UTF_8));
          out.flush();
          last = now;
          quiet = 0;
        } else if (++quiet == 15) {
          out.write(": still here\n\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          quiet = 0;
        }
        Thread.sleep(1000);
      }
    } catch (IOException e) {
      // the browser went away
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static boolean allowed(HttpExchange exchange, Authenticated caller, String permission)
      throws IOException {
    if (caller.hasPermission(permission)) {
      return true;
    }
    AdminServer.send(
        exchange,
        403,
        "application/json",
        AdminServer.error("this needs permission " + permission));
    return false;
  }

  private void login(HttpExchange exchange) throws IOException, InterruptedException {
    String state = flow.randomToken();
    String nonce = flow.randomToken();
    String verifier = flow.randomToken();
    String redirectUri = base(exchange) + "/console/callback";
    sessions.loginStarted(
        state, new ConsoleSessions.Login(nonce, verifier, redirectUri, clock.instant()));
    String target;
    try {
      target = flow.authorizationUrl(redirectUri, state, nonce, verifier);
    } catch (IOException e) {
      page(exchange, 503, "Sign-in is unavailable", "The identity provider cannot be reached.");
      return;
    }
    redirect(exchange, target);
  }

  private void callback(HttpExchange exchange) throws IOException, InterruptedException {
    Map<String, String> q = AuditApi.query(exchange);
    ConsoleSessions.Login login = sessions.loginFinished(q.get("state"));
    if (login == null || q.get("code") == null) {
      page(exchange, 400, "Sign-in failed", "This sign-in is unknown or expired. Sign in again.");
      return;
    }
    Authenticated caller;
    String token;
    try {
      token = flow.idToken(q.get("code"), login.redirectUri(), login.verifier());
      caller = authenticator.authenticate(new Credential(token));
    } catch (IOException | WardenException e) {
      LOG.info("console sign-in refused: {}", e.getMessage());
      page(exchange, 401, "Sign-in failed", "The identity provider's answer was not accepted.");
      return;
    }
    if (!login.nonce().equals(OidcCodeFlow.claim(token, "nonce"))) {
      page(exchange, 401, "Sign-in failed", "The ID token is not for this sign-in.");
      return;
    }
    if (PERMISSIONS.stream().noneMatch(caller::hasPermission)) {
      page(
          exchange,
          403,
          "Not for this identity",
          "The console is for approvers, auditors and policy authors: "
              + "this identity has none of their permissions.");
      return;
    }
    Instant expires = clock.instant().plus(ConsoleSessions.MAX_AGE);
    if (caller.expiresAt() != null && caller.expiresAt().isBefore(expires)) {
      expires = caller.expiresAt();
    }
    String id = flow.randomToken();
    sessions.open(id, new ConsoleSessions.Session(caller, flow.randomToken(), expires));
    exchange
        .getResponseHeaders()
        .add(
            "Set-Cookie",
            COOKIE
                + "="
                + id
                + "; Path=/console; HttpOnly; SameSite=Lax"
                + (exchange instanceof HttpsExchange ? "; Secure" : ""));
    redirect(exchange, "/console/");
  }

  private static void headers(HttpExchange exchange) {
    var h = exchange.getResponseHeaders();
    h.set(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
    h.set("X-Frame-Options", "DENY");
    h.set("Cache-Control", "no-store");
  }

  private static String cookie(HttpExchange exchange) {
    List<String> headers = exchange.getRequestHeaders().get("Cookie");
    if (headers == null) {
      return null;
    }
    for (String header : headers) {
      for (String pair : header.split(";")) {
        String p = pair.trim();
        if (p.startsWith(COOKIE + "=")) {
          return URLDecoder.decode(p.substring(COOKIE.length() + 1), StandardCharsets.UTF_8);
        }
      }
    }
    return null;
  }

  /** The console's own address as the browser reached it. */
  private static String base(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (host == null || !host.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
      host = "127.0.0.1:" + exchange.getLocalAddress().getPort();
    }
    return (exchange instanceof HttpsExchange ? "https://" : "http://") + host;
  }

  private static void redirect(HttpExchange exchange, String location) throws IOException {
    exchange.getResponseHeaders().set("Location", location);
    AdminServer.send(exchange, 302, "text/plain", "");
  }

  private static void asset(HttpExchange exchange, String name, String type) throws IOException {
    try (InputStream in = Console.class.getResourceAsStream("/console/" + name)) {
      if (in == null) {
        AdminServer.send(exchange, 404, "text/plain", "not found\n");
        return;
      }
      AdminServer.send(exchange, 200, type, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** A small page of its own (sign-in outcomes): text only, escaped. */
  private static void page(HttpExchange exchange, int status, String title, String text)
      throws IOException {
    AdminServer.send(
        exchange,
        status,
        "text/html; charset=utf-8",
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>"
            + escape(title)
            + "</title><link rel=\"stylesheet\" href=\"/console/app.css\"></head><body><main>"
            + "<h1>"
            + escape(title)
            + "</h1><p>"
            + escape(text)
            + "</p><p><a href=\"/console/login\">Sign in</a></p></main></body></html>");
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
