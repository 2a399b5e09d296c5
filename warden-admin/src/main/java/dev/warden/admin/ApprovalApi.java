package dev.warden.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.warden.core.approval.ApprovalException;
import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.approval.Approvals;
import dev.warden.core.identity.Authenticated;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Approval requests over HTTP: {@code GET /api/approvals[?state=all]}, {@code GET
 * /api/approvals/{id}}, {@code POST /api/approvals/{id}/approve} and {@code /deny} (body {@code
 * {"comment": "…"}}). Any authenticated caller; a caller sees the requests it may decide (the
 * rule's approvers include one of its groups or roles) and its own, or every request with
 * permission {@code approvals:read}. Whether a caller may decide is the {@link Approvals}' call:
 * never the requester, only a named approver.
 */
final class ApprovalApi {
  static final String APPROVALS_READ = "approvals:read";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Approvals approvals;

  ApprovalApi(Approvals approvals) {
    this.approvals = approvals;
  }

  void handle(HttpExchange exchange, Authenticated caller) throws IOException {
    handle(
        exchange,
        caller,
        exchange.getRequestURI().getPath().substring("/api/approvals".length()),
        false);
  }

  /**
   * The same, for a request whose path after its approvals prefix is {@code rest}; {@code
   * requireComment}: a decision without a comment is refused (the console's rule: a person says
   * why).
   */
  void handle(HttpExchange exchange, Authenticated caller, String rest, boolean requireComment)
      throws IOException {
    String method = exchange.getRequestMethod();
    try {
      if ((rest.isEmpty() || rest.equals("/")) && method.equals("GET")) {
        boolean all = "state=all".equals(exchange.getRequestURI().getQuery());
        ArrayNode list = JSON.createArrayNode();
        for (ApprovalRequest r : approvals.list(!all, 200)) {
          if (visible(r, caller)) {
            list.add(json(r));
          }
        }
        ObjectNode out = JSON.createObjectNode();
        out.set("approvals", list);
        AdminServer.send(exchange, 200, "application/json", out + "\n");
        return;
      }
      String[] parts = rest.substring(1).split("/");
      if (parts.length == 1 && method.equals("GET")) {
        ApprovalRequest r = approvals.find(parts[0]).filter(x -> visible(x, caller)).orElse(null);
        if (r == null) {
          AdminServer.send(exchange, 404, "application/json", AdminServer.error("no such request"));
        } else {
          AdminServer.send(exchange, 200, "application/json", json(r) + "\n");
        }
        return;
      }
      if (parts.length == 2
          && method.equals("POST")
          && (parts[1].equals("approve") || parts[1].equals("deny"))) {
        String comment = null;
        byte[] body = exchange.getRequestBody().readNBytes(16 * 1024);
        if (body.length > 0) {
          JsonNode node = JSON.readTree(new String(body, StandardCharsets.UTF_8));
          comment = node.path("comment").isTextual() ? node.path("comment").asText() : null;
        }
        if (requireComment && (comment == null || comment.isBlank())) {
          AdminServer.send(
              exchange,
              400,
              "application/json",
              AdminServer.error("say why: a comment is required"));
          return;
        }
        ApprovalRequest r =
            parts[1].equals("approve")
                ? approvals.approve(parts[0], caller, comment)
                : approvals.deny(parts[0], caller, comment);
        AdminServer.send(exchange, 200, "application/json", json(r) + "\n");
        return;
      }
      AdminServer.send(exchange, 404, "application/json", AdminServer.error("not found"));
    } catch (ApprovalException e) {
      AdminServer.send(exchange, e.status(), "application/json", AdminServer.error(e.getMessage()));
    } catch (IOException e) {
      AdminServer.send(exchange, 400, "application/json", AdminServer.error("bad request body"));
    } catch (Exception e) {
      AdminServer.send(
          exchange, 503, "application/json", AdminServer.error("approvals are unavailable"));
    }
  }

  /**
   * What the caller's inbox shows, reduced to what changes it: each visible request's id, state and
   * number of votes (an event stream compares it from one second to the next).
   */
  String fingerprint(Authenticated caller) {
    StringBuilder out = new StringBuilder();
    try {
      for (ApprovalRequest r : approvals.list(false, 200)) {
        if (visible(r, caller)) {
          out.append(r.id()).append(':').append(r.state()).append(':').append(r.votes().size());
          out.append(';');
        }
      }
    } catch (Exception e) {
      return "unavailable";
    }
    return out.toString();
  }

  private static boolean visible(ApprovalRequest r, Authenticated caller) {
    // The requester is a subject of one issuer: the same name from another issuer is someone else.
    boolean requester =
        caller.identity().subject().equals(r.requester())
            && java.util.Objects.equals(caller.identity().issuer(), r.requesterIssuer());
    if (caller.hasPermission(APPROVALS_READ) || requester) {
      return true;
    }
    Set<String> memberships = new HashSet<>(caller.identity().groups());
    memberships.addAll(caller.roles());
    return r.approvers().stream().anyMatch(memberships::contains);
  }

  static ObjectNode json(ApprovalRequest r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", r.id());
    o.put("state", r.state().name().toLowerCase(java.util.Locale.ROOT));
    o.put("requester", r.requester());
    o.put("session", r.sessionId());
    o.put("connection", r.connection());
    o.put("sql", r.sql());
    ArrayNode params = o.putArray("parameters");
    r.parameters()
        .forEach(
            p -> {
              if (p == null) {
                params.addNull();
              } else {
                params.add(p);
              }
            });
    o.put("class", r.statementClass());
    ArrayNode objects = o.putArray("objects");
    r.objects().forEach(objects::add);
    o.put("rule", r.rule());
    o.put("reason", r.reason());
    ArrayNode approvers = o.putArray("approvers");
    List.copyOf(new java.util.TreeSet<>(r.approvers())).forEach(approvers::add);
    o.put("approvalsNeeded", r.quorum());
    o.put("mode", r.ask() ? "ask" : "wait");
    if (r.estimate() != null) {
      ObjectNode e = o.putObject("estimate");
      if (r.estimate().rows() != null) {
        e.put("rows", r.estimate().rows());
        e.put("plan", r.estimate().plan());
      } else {
        e.put("unavailable", r.estimate().unavailable());
      }
    }
    o.put("created", r.createdAt().toString());
    o.put("expires", r.expiresAt().toString());
    if (r.decidedAt() != null) {
      o.put("decided", r.decidedAt().toString());
    }
    ArrayNode votes = o.putArray("votes");
    for (ApprovalRequest.Vote v : r.votes()) {
      ObjectNode vote = votes.addObject();
      vote.put("approver", v.approver());
      vote.put("decision", v.approve() ? "approve" : "deny");
      vote.put("comment", v.comment());
      vote.put("at", v.at().toString());
    }
    return o;
  }
}
