package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.warden.store.AuditRecord;
import dev.warden.store.AuditStore;
import dev.warden.store.ChainVerifier;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit trail over HTTP (permission {@code audit:read}): sessions with their timelines and
 * events, the records themselves as JSON lines (for export to a SIEM), and a verification of the
 * chain. Described in {@code /api/openapi.yaml}.
 */
final class AuditApi {
  static final String AUDIT_READ = "audit:read";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 1000;

  private final AuditStore store;
  private final List<PublicKey> keys;

  AuditApi(AuditStore store, List<PublicKey> keys) {
    this.store = store;
    this.keys = keys;
  }

  /** GET /api/sessions, /api/sessions/{id}, /api/sessions/{id}/events. */
  void sessions(HttpExchange exchange) throws IOException {
    sessions(exchange, exchange.getRequestURI().getPath().substring("/api/sessions".length()));
  }

  /** The same, for a request whose path after its sessions prefix is {@code rest}. */
  void sessions(HttpExchange exchange, String rest) throws IOException {
    if (!exchange.getRequestMethod().equals("GET")) {
      AdminServer.respond(exchange, 405, "application/json", "");
      return;
    }
    Map<String, String> q = query(exchange);
    try {
      if (rest.isEmpty() || rest.equals("/")) {
        ArrayNode list = JSON.createArrayNode();
        for (AuditStore.SessionSummary s :
            store.sessions(
                q.get("identity"),
                q.get("connection"),
                time(q.get("since")),
                time(q.get("until")),
                q.get("rule"),
                q.get("decision"),
                Integer.parseInt(q.getOrDefault("limit", "100")))) {
          list.add(summary(s));
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("sessions", list);
        AdminServer.respond(exchange, 200, "application/json", out + "\n");
        return;
      }
      String[] parts = rest.substring(1).split("/");
      List<AuditRecord> records = store.session(parts[0]);
      if (records.isEmpty()
          || parts.length > 2
          || (parts.length == 2 && !parts[1].equals("events"))) {
        AdminServer.respond(
            exchange, 404, "application/json", AdminServer.error("no such session"));
        return;
      }
      if (parts.length == 2) {
        ArrayNode events = JSON.createArrayNode();
        for (AuditRecord r : records) {
          events.add(event(r));
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("session", parts[0]);
        out.set("events", events);
        AdminServer.respond(exchange, 200, "application/json", out + "\n");
        return;
      }
      AdminServer.respond(exchange, 200, "application/json", timeline(parts[0], records) + "\n");
    } catch (IllegalArgumentException e) {
      AdminServer.respond(exchange, 400, "application/json", AdminServer.error(e.getMessage()));
    } catch (java.sql.SQLException e) {
      AdminServer.respond(
          exchange, 503, "application/json", AdminServer.error("the audit store does not answer"));
    }
  }

  /** GET /api/audit: records as JSON lines; GET /api/audit/verify: the chain's verification. */
  void audit(HttpExchange exchange) throws IOException {
    audit(exchange, exchange.getRequestURI().getPath().substring("/api/audit".length()));
  }

  /** The same, for a request whose path after its audit prefix is {@code rest}. */
  void audit(HttpExchange exchange, String rest) throws IOException {
    if (!exchange.getRequestMethod().equals("GET")) {
      AdminServer.respond(exchange, 405, "application/json", "");
      return;
    }
    Map<String, String> q = query(exchange);
    try {
      if (rest.equals("/verify")) {
        ChainVerifier.Report report = ChainVerifier.verify(store, keys);
        AdminServer.respond(
            exchange,
            report.ok() ? 200 : 409,
            "application/json",
            JSON.writeValueAsString(report) + "\n");
        return;
      }
      if (!rest.isEmpty() && !rest.equals("/")) {
        AdminServer.respond(exchange, 404, "application/json", AdminServer.error("not found"));
        return;
      }
      Long since = time(q.get("since"));
      Long until = time(q.get("until"));
      long after = Long.parseLong(q.getOrDefault("after", "0"));
      long limit = Long.parseLong(q.getOrDefault("limit", String.valueOf(Long.MAX_VALUE)));
      exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
      exchange.sendResponseHeaders(200, 0); // chunked: streamed page by page
      try (OutputStream out = exchange.getResponseBody()) {
        long next = after + 1;
        long sent = 0;
        while (sent < limit) {
          List<AuditRecord> page =
              store.read(next, since, until, (int) Math.min(PAGE, limit - sent));
          for (AuditRecord r : page) {
            out.write((event(r) + "\n").getBytes(StandardCharsets.UTF_8));
          }
          sent += page.size();
          if (page.size() < PAGE) {
            break;
          }
          next = page.getLast().seq() + 1;
        }
      }
    } catch (IllegalArgumentException e) {
      AdminServer.respond(exchange, 400, "application/json", AdminServer.error(e.getMessage()));
    } catch (java.sql.SQLException e) {
      AdminServer.respond(
          exchange, 503, "application/json", AdminServer.error("the audit store does not answer"));
    }
  }

  private static ObjectNode summary(AuditStore.SessionSummary s) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", s.sessionId());
    o.put("identity", s.identity());
    o.put("connection", s.connection());
    o.put("started", Instant.ofEpochMilli(s.startedMillis()).toString());
    if (s.endedMillis() != null) {
      o.put("ended", Instant.ofEpochMilli(s.endedMillis()).toString());
    }
    o.put("statements", s.statements());
    o.put("denied", s.denied());
    JsonNode start = JSON.readTree(s.startPayload());
    o.set("client", start.path("client"));
    o.set("application", start.path("application"));
    return o;
  }

  /** A record as an event: its place in the chain, time, kind, session, and the payload. */
  static ObjectNode event(AuditRecord r) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("seq", r.seq());
    o.put("at", Instant.ofEpochMilli(r.atMillis()).toString());
    o.put("kind", r.kind());
    if (r.sessionId() != null) {
      o.put("session", r.sessionId());
      o.put("identity", r.identity());
      o.put("connection", r.connection());
    }
    o.set("event", JSON.readTree(r.payload()));
    o.put("hash", r.hash());
    return o;
  }

  /** A session's statements in order, each with its decision and outcome. */
  private static ObjectNode timeline(String id, List<AuditRecord> records) throws IOException {
    ObjectNode out = JSON.createObjectNode();
    out.put("id", id);
    ArrayNode statements = out.putArray("statements");
    Map<Long, ObjectNode> byId = new HashMap<>();
    for (AuditRecord r : records) {
      JsonNode p = JSON.readTree(r.payload());
      switch (r.kind()) {
        case "session.start" -> {
          out.put("identity", r.identity());
          out.put("connection", r.connection());
          out.put("started", Instant.ofEpochMilli(r.atMillis()).toString());
          out.set("client", p.path("client"));
          out.set("application", p.path("application"));
          out.set("roles", p.path("roles"));
        }
        case "session.end" -> out.put("ended", Instant.ofEpochMilli(r.atMillis()).toString());
        case "statement" -> {
          ObjectNode s = statements.addObject();
          s.put("statement", p.path("statement").asLong());
          s.put("at", Instant.ofEpochMilli(r.atMillis()).toString());
          s.set("sql", p.path("sql"));
          s.set("decision", p.path("decision"));
          s.set("rule", p.path("rule"));
          if (p.has("reason")) {
            s.set("reason", p.path("reason"));
          }
          if (p.has("parameters")) {
            s.set("parameters", p.path("parameters"));
          }
          byId.putIfAbsent(p.path("statement").asLong(), s);
        }
        case "outcome" -> {
          ObjectNode s = byId.get(p.path("statement").asLong());
          if (s != null) {
            s.set("rows", p.path("rows"));
            if (p.has("micros")) {
              s.put("ms", p.path("micros").asLong() / 1000.0);
            }
            if (p.has("error")) {
              s.set("error", p.path("error"));
            }
            // The result as the client saw it (masked), as far as the trail keeps it.
            if (p.has("columns")) {
              s.set("columns", p.path("columns"));
            }
            if (p.has("result")) {
              s.set("result", p.path("result"));
            }
          }
        }
        default -> {}
      }
    }
    return out;
  }

  static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> out = new LinkedHashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /**
   * A time bound: an ISO-8601 instant ({@code 2026-11-22T04:00:00Z}) or an age ({@code 15m}, {@code
   * 2h}, {@code 7d}: that long ago).
   */
  static Long time(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      char unit = value.charAt(value.length() - 1);
      if (Character.isDigit(value.charAt(0)) && "smhd".indexOf(unit) >= 0 && !value.contains("T")) {
        long n = Long.parseLong(value.substring(0, value.length() - 1));
        Duration age =
            switch (unit) {
              case 's' -> Duration.ofSeconds(n);
              case 'm' -> Duration.ofMinutes(n);
              case 'h' -> Duration.ofHours(n);
              default -> Duration.ofDays(n);
            };
        return System.currentTimeMillis() - age.toMillis();
      }
      return Instant.parse(value).toEpochMilli();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "time \"" + value + "\": use an instant (2026-11-22T04:00:00Z) or an age (15m, 2h, 7d)");
    }
  }
}
