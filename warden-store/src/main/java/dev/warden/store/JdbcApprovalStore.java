package dev.warden.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.core.approval.ApprovalRequest;
import dev.warden.core.approval.ApprovalStore;
import dev.warden.core.approval.Estimate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Approval requests in the audit store's database (table {@code approval_request}). */
public final class JdbcApprovalStore implements ApprovalStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final AuditStore store;

  public JdbcApprovalStore(AuditStore store) {
    this.store = store;
  }

  @Override
  public void save(ApprovalRequest r) throws Exception {
    try (Connection c = store.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO approval_request (id, created_ms, state, payload) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
                    + " payload = excluded.payload")) {
      ps.setString(1, r.id());
      ps.setLong(2, r.createdAt().toEpochMilli());
      ps.setString(3, r.state().name());
      ps.setString(4, toJson(r));
      ps.executeUpdate();
    }
  }

  @Override
  public Optional<ApprovalRequest> find(String id) throws Exception {
    try (Connection c = store.connection();
        PreparedStatement ps =
            c.prepareStatement("SELECT payload FROM approval_request WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(fromJson(rs.getString(1))) : Optional.empty();
      }
    }
  }

  @Override
  public Optional<ApprovalRequest> update(String id, Change change) throws Exception {
    try (Connection c = store.connection()) {
      c.setAutoCommit(false);
      try {
        ApprovalRequest current;
        // PostgreSQL locks the row; SQLite's transactions here are IMMEDIATE (one writer at a
        // time).
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT payload FROM approval_request WHERE id = ?"
                    + (store.dialect() == AuditStore.Dialect.POSTGRESQL ? " FOR UPDATE" : ""))) {
          ps.setString(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              c.rollback();
              return Optional.empty();
            }
            current = fromJson(rs.getString(1));
          }
        }
        ApprovalRequest next = change.apply(current);
        if (next != current) {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE approval_request SET state = ?, payload = ? WHERE id = ?")) {
            ps.setString(1, next.state().name());
            ps.setString(2, toJson(next));
            ps.setString(3, id);
            ps.executeUpdate();
          }
        }
        c.commit();
        return Optional.of(next);
      } catch (Exception e) {
        c.rollback();
        throw e;
      }
    }
  }

  @Override
  public List<ApprovalRequest> list(boolean pendingOnly, int limit) throws Exception {
    List<ApprovalRequest> out = new ArrayList<>();
    try (Connection c = store.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT payload FROM approval_request"
                    + (pendingOnly ? " WHERE state = 'PENDING'" : "")
                    + " ORDER BY created_ms DESC LIMIT ?")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(fromJson(rs.getString(1)));
        }
      }
    }
    return out;
  }

  static String toJson(ApprovalRequest r) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", r.id());
    o.put("createdAt", r.createdAt().toString());
    o.put("expiresAt", r.expiresAt().toString());
    o.put("requester", r.requester());
    o.put("requesterIssuer", r.requesterIssuer());
    o.put("sessionId", r.sessionId());
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
    o.put("statementClass", r.statementClass());
    ArrayNode objects = o.putArray("objects");
    r.objects().forEach(objects::add);
    o.put("rule", r.rule());
    o.put("reason", r.reason());
    ArrayNode approvers = o.putArray("approvers");
    r.approvers().stream().sorted().forEach(approvers::add);
    o.put("quorum", r.quorum());
    o.put("state", r.state().name());
    ArrayNode votes = o.putArray("votes");
    for (ApprovalRequest.Vote v : r.votes()) {
      ObjectNode vote = votes.addObject();
      vote.put("approver", v.approver());
      vote.put("approve", v.approve());
      vote.put("comment", v.comment());
      vote.put("at", v.at().toString());
    }
    if (r.decidedAt() != null) {
      o.put("decidedAt", r.decidedAt().toString());
    }
    o.put("binding", r.binding());
    o.put("ask", r.ask());
    o.put("holder", r.holder());
    if (r.estimate() != null) {
      ObjectNode e = o.putObject("estimate");
      if (r.estimate().rows() != null) {
        e.put("rows", r.estimate().rows());
      }
      e.put("plan", r.estimate().plan());
      e.put("unavailable", r.estimate().unavailable());
    }
    return o.toString();
  }

  private static Estimate estimate(JsonNode e) {
    if (!e.isObject()) {
      return null;
    }
    return new Estimate(
        e.path("rows").isNumber() ? e.path("rows").asLong() : null,
        e.path("plan").isTextual() ? e.path("plan").asText() : null,
        e.path("unavailable").isTextual() ? e.path("unavailable").asText() : null);
  }

  static ApprovalRequest fromJson(String text) throws Exception {
    JsonNode o = JSON.readTree(text);
    List<String> params = new ArrayList<>();
    o.path("parameters").forEach(p -> params.add(p.isNull() ? null : p.asText()));
    List<String> objects = new ArrayList<>();
    o.path("objects").forEach(p -> objects.add(p.asText()));
    Set<String> approvers = new HashSet<>();
    o.path("approvers").forEach(p -> approvers.add(p.asText()));
    List<ApprovalRequest.Vote> votes = new ArrayList<>();
    for (JsonNode v : o.path("votes")) {
      votes.add(
          new ApprovalRequest.Vote(
              v.path("approver").asText(),
              v.path("approve").asBoolean(),
              v.path("comment").isNull() ? null : v.path("comment").asText(null),
              Instant.parse(v.path("at").asText())));
    }
    return new ApprovalRequest(
        o.path("id").asText(),
        Instant.parse(o.path("createdAt").asText()),
        Instant.parse(o.path("expiresAt").asText()),
        o.path("requester").asText(null),
        o.path("requesterIssuer").isNull() ? null : o.path("requesterIssuer").asText(null),
        o.path("sessionId").asText(null),
        o.path("connection").asText(null),
        o.path("sql").asText(null),
        params,
        o.path("statementClass").asText(null),
        objects,
        o.path("rule").asText(null),
        o.path("reason").asText(null),
        approvers,
        o.path("quorum").asInt(1),
        ApprovalRequest.State.valueOf(o.path("state").asText("PENDING")),
        votes,
        o.has("decidedAt") ? Instant.parse(o.path("decidedAt").asText()) : null,
        o.path("binding").asText(null),
        o.path("ask").asBoolean(false),
        estimate(o.path("estimate")),
        o.path("holder").isTextual() ? o.path("holder").asText() : null);
  }
}
