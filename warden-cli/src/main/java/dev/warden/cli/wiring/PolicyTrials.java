package dev.warden.cli.wiring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.admin.PolicyTrial;
import dev.warden.core.identity.Identity;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.policy.WhatIf;
import dev.warden.core.session.StatementPipeline;
import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import dev.warden.gateway.DatabaseCatalogs;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.store.AuditRecord;
import dev.warden.store.AuditStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trail's recorded statements, read back for a what-if: each with its session's identity and
 * roles (from the session's start record), analysed again from its recorded text with its
 * connection's analyzer, names resolved in the connection's default schema (the session's own
 * search path or USE is not in the trail), and decided then. A held statement's first record (the
 * hold) is the one kept.
 */
final class PolicyTrials implements PolicyTrial {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 1000;

  private final AuditStore store;
  private final WardenConfig config;
  private final StatementPipeline pipeline;
  private final DatabaseCatalogs catalogs;
  private final SqlAnalyzer mysql;

  PolicyTrials(
      AuditStore store,
      WardenConfig config,
      StatementPipeline pipeline,
      DatabaseCatalogs catalogs,
      SqlAnalyzer mysql) {
    this.store = store;
    this.config = config;
    this.pipeline = pipeline;
    this.catalogs = catalogs;
    this.mysql = mysql;
  }

  /** Who a recorded session was. */
  private record Who(Identity identity, Set<String> roles) {}

  @Override
  public WhatIf.Report trial(String draft, long sinceMillis, int limit) throws Exception {
    DeclarativePolicyEngine engine = new DeclarativePolicyEngine(new PolicyParser().parse(draft));
    Map<String, Who> sessions = new HashMap<>();
    Set<String> seen = new HashSet<>();
    List<WhatIf.Recorded> history = new ArrayList<>();
    long next = 0;
    while (history.size() < limit) {
      List<AuditRecord> page = store.read(next, sinceMillis, null, PAGE);
      for (AuditRecord r : page) {
        if (r.kind().equals("session.start")) {
          sessions.put(r.sessionId(), who(r));
        } else if (r.kind().equals("statement") && history.size() < limit) {
          JsonNode p = JSON.readTree(r.payload());
          if (!seen.add(r.sessionId() + "/" + p.path("statement").asLong())) {
            continue;
          }
          Who who = sessions.computeIfAbsent(r.sessionId(), this::startOf);
          if (who == null) {
            continue;
          }
          history.add(
              new WhatIf.Recorded(
                  r.seq(),
                  Instant.ofEpochMilli(r.atMillis()),
                  r.sessionId(),
                  who.identity(),
                  who.roles(),
                  r.connection(),
                  analyze(r.connection(), p.path("sql").asText()),
                  p.path("decision").asText(),
                  p.path("rule").asText()));
        }
      }
      if (page.size() < PAGE) {
        break;
      }
      next = page.getLast().seq() + 1;
    }
    return WhatIf.run(pipeline.policy(), engine, history, catalogs::functions);
  }

  /** The statement as analysed again, names resolved in the connection's default schema. */
  private Statement analyze(String connection, String sql) {
    WardenConfig.Connection c = config.connections().get(connection);
    if (c != null && c.mysql()) {
      return mysql.analyze(sql).qualified(c.database(), false);
    }
    return pipeline.analyze(sql).qualified("public");
  }

  /** A session's identity from its start record, read from the store (null when gone). */
  private Who startOf(String sessionId) {
    try {
      for (AuditRecord r : store.session(sessionId)) {
        if (r.kind().equals("session.start")) {
          return who(r);
        }
      }
    } catch (Exception e) {
      return null;
    }
    return null;
  }

  private static Who who(AuditRecord r) {
    try {
      JsonNode p = JSON.readTree(r.payload());
      Set<String> groups = new HashSet<>();
      p.path("groups").forEach(g -> groups.add(g.asText()));
      Set<String> roles = new HashSet<>();
      p.path("roles").forEach(g -> roles.add(g.asText()));
      return new Who(
          new Identity(r.identity(), p.path("issuer").asText(), groups, Map.of()), roles);
    } catch (Exception e) {
      return null;
    }
  }
}
