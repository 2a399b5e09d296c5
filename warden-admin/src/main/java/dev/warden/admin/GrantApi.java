package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.warden.core.approval.ApprovalException;
import dev.warden.core.approval.Grants;
import dev.warden.core.approval.JitGrant;
import dev.warden.core.identity.Authenticated;
import dev.warden.core.sql.StatementClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Just-in-time grants over HTTP (permission {@code grants:manage}): {@code GET /api/grants[?state=
 * all]}, {@code POST /api/grants} (body: {@code identity} or {@code group}, {@code connection},
 * {@code classes}, {@code verbs}, {@code objects}, {@code minutes}, {@code reason}), {@code POST
 * /api/grants/{id}/revoke}.
 */
final class GrantApi {
  static final String GRANTS_MANAGE = "grants:manage";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Grants grants;

  GrantApi(Grants grants) {
    this.grants = grants;
  }

  void handle(HttpExchange exchange, Authenticated caller) throws IOException {
    handle(exchange, caller, exchange.getRequestURI().getPath().substring("/api/grants".length()));
  }

  /** The same, for a request whose path after its grants prefix is {@code rest}. */
  void handle(HttpExchange exchange, Authenticated caller, String rest) throws IOException {
    String method = exchange.getRequestMethod();
    try {
      if ((rest.isEmpty() || rest.equals("/")) && method.equals("GET")) {
        boolean all = "state=all".equals(exchange.getRequestURI().getQuery());
        ArrayNode list = JSON.createArrayNode();
        grants.list(!all).forEach(g -> list.add(json(g)));
        ObjectNode out = JSON.createObjectNode();
        out.set("grants", list);
        AdminServer.send(exchange, 200, "application/json", out + "\n");
        return;
      }
      if ((rest.isEmpty() || rest.equals("/")) && method.equals("POST")) {
        JsonNode body =
            JSON.readTree(
                new String(
                    exchange.getRequestBody().readNBytes(16 * 1024), StandardCharsets.UTF_8));
        Set<StatementClass> classes = new LinkedHashSet<>();
        for (JsonNode c : body.path("classes")) {
          try {
            classes.add(StatementClass.valueOf(c.asText().toUpperCase(Locale.ROOT)));
          } catch (IllegalArgumentException e) {
            throw new ApprovalException(400, "unknown statement class " + c.asText());
          }
        }
        Set<String> verbs = new LinkedHashSet<>();
        body.path("verbs").forEach(v -> verbs.add(v.asText().toUpperCase(Locale.ROOT)));
        List<String> objects = new ArrayList<>();
        body.path("objects").forEach(o -> objects.add(o.asText()));
        if (classes.isEmpty() && verbs.isEmpty()) {
          throw new ApprovalException(400, "a grant names classes or verbs");
        }
        long minutes = body.path("minutes").asLong(0);
        JitGrant grant =
            grants.create(
                new JitGrant(
                    null,
                    body.path("identity").asText(null),
                    body.path("group").asText(null),
                    body.path("connection").asText(null),
                    classes,
                    verbs,
                    objects,
                    body.path("reason").asText(null),
                    null,
                    null,
                    null,
                    null,
                    null),
                body.has("seconds")
                    ? Duration.ofSeconds(body.path("seconds").asLong())
                    : Duration.ofMinutes(minutes),
                caller.identity().subject());
        AdminServer.send(exchange, 200, "application/json", json(grant) + "\n");
        return;
      }
      String[] parts = rest.substring(1).split("/");
      if (parts.length == 2 && parts[1].equals("revoke") && method.equals("POST")) {
        AdminServer.send(
            exchange,
            200,
            "application/json",
            json(grants.revoke(parts[0], caller.identity().subject())) + "\n");
        return;
      }
      AdminServer.send(exchange, 404, "application/json", AdminServer.error("not found"));
    } catch (ApprovalException e) {
      AdminServer.send(exchange, e.status(), "application/json", AdminServer.error(e.getMessage()));
    } catch (IOException e) {
      AdminServer.send(exchange, 400, "application/json", AdminServer.error("bad request body"));
    }
  }

  static ObjectNode json(JitGrant g) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", g.id());
    o.put("identity", g.subject());
    o.put("group", g.group());
    o.put("connection", g.connection());
    ArrayNode classes = o.putArray("classes");
    g.classes().stream().map(Enum::name).sorted().forEach(classes::add);
    ArrayNode verbs = o.putArray("verbs");
    g.verbs().stream().sorted().forEach(verbs::add);
    ArrayNode objects = o.putArray("objects");
    g.objects().forEach(objects::add);
    o.put("reason", g.reason());
    o.put("createdBy", g.createdBy());
    o.put("created", g.createdAt().toString());
    o.put("expires", g.expiresAt().toString());
    o.put(
        "state",
        g.revokedAt() != null
            ? "revoked"
            : g.active(java.time.Instant.now()) ? "active" : "expired");
    if (g.revokedAt() != null) {
      o.put("revokedBy", g.revokedBy());
      o.put("revoked", g.revokedAt().toString());
    }
    return o;
  }
}
