package dev.warden.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import dev.warden.core.policy.PolicyException;
import dev.warden.core.policy.WhatIf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/policy/what-if?since=7d&limit=N} with a draft policy as the body: the draft
 * tried on the recorded statements (permission {@code policy:read}); the answer counts what would
 * change, by kind, rule and identity, and lists the changes (at most {@link #MAX_LISTED}).
 * Statement texts are as the trail keeps them.
 */
final class PolicyTrialApi {
  static final int MAX_LISTED = 500;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final PolicyTrial trial;

  PolicyTrialApi(PolicyTrial trial) {
    this.trial = trial;
  }

  void handle(HttpExchange exchange) throws IOException {
    if (!exchange.getRequestMethod().equals("POST")) {
      AdminServer.send(exchange, 405, "application/json", AdminServer.error("POST a draft"));
      return;
    }
    Map<String, String> q = AuditApi.query(exchange);
    long since;
    int limit;
    try {
      Long t = AuditApi.time(q.getOrDefault("since", "7d"));
      since = t == null ? 0 : t;
      limit = Integer.parseInt(q.getOrDefault("limit", "100000"));
    } catch (IllegalArgumentException e) {
      AdminServer.send(exchange, 400, "application/json", AdminServer.error(e.getMessage()));
      return;
    }
    String draft;
    try (var in = exchange.getRequestBody()) {
      draft = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
    }
    WhatIf.Report report;
    try {
      report = trial.trial(draft, since, Math.max(1, Math.min(limit, 1_000_000)));
    } catch (PolicyException e) {
      AdminServer.send(
          exchange, 400, "application/json", AdminServer.error("draft: " + e.getMessage()));
      return;
    } catch (Exception e) {
      AdminServer.send(
          exchange, 503, "application/json", AdminServer.error("the trial failed: " + e));
      return;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("statements", report.statements());
    out.put("unanalysable", report.unanalysable());
    out.put("changed", report.changes().size());
    out.put("byKind", report.byKind());
    out.put("byRule", report.byRule());
    out.put("byIdentity", report.byIdentity());
    List<Map<String, Object>> changes = new ArrayList<>();
    for (WhatIf.Change c : report.changes()) {
      if (changes.size() == MAX_LISTED) {
        break;
      }
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("seq", c.recorded().seq());
      one.put("at", c.recorded().at().toString());
      one.put("session", c.recorded().sessionId());
      one.put("identity", c.recorded().identity().subject());
      one.put("connection", c.recorded().connection());
      one.put("sql", c.recorded().statement().text());
      one.put("kind", c.kind());
      one.put("before", c.before());
      one.put("ruleBefore", c.ruleBefore());
      one.put("after", c.after());
      one.put("ruleAfter", c.ruleAfter());
      one.put("masksAdded", c.masksAdded());
      one.put("masksRemoved", c.masksRemoved());
      changes.add(one);
    }
    out.put("changes", changes);
    AdminServer.send(exchange, 200, "application/json", JSON.writeValueAsString(out) + "\n");
  }
}
