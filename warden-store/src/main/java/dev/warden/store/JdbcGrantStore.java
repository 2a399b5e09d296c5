package dev.warden.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.core.approval.GrantStore;
import dev.warden.core.approval.JitGrant;
import dev.warden.core.sql.StatementClass;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Just-in-time grants in the audit store's database (table {@code jit_grant}). */
public final class JdbcGrantStore implements GrantStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final AuditStore store;

  public JdbcGrantStore(AuditStore store) {
    this.store = store;
  }

  @Override
  public void save(JitGrant grant) throws Exception {
    try (Connection c = store.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO jit_grant (id, expires_ms, payload) VALUES (?, ?, ?)"
                    + " ON CONFLICT (id) DO UPDATE SET payload = excluded.payload")) {
      ps.setString(1, grant.id());
      ps.setLong(2, grant.expiresAt().toEpochMilli());
      ps.setString(3, toJson(grant));
      ps.executeUpdate();
    }
  }

  @Override
  public List<JitGrant> load(Instant since) throws Exception {
    List<JitGrant> out = new ArrayList<>();
    try (Connection c = store.connection();
        PreparedStatement ps =
            c.prepareStatement("SELECT payload FROM jit_grant WHERE expires_ms >= ?")) {
      ps.setLong(1, since.toEpochMilli());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(fromJson(rs.getString(1)));
        }
      }
    }
    return out;
  }

  static String toJson(JitGrant g) {
    ObjectNode o = JSON.createObjectNode();
    o.put("id", g.id());
    o.put("subject", g.subject());
    o.put("group", g.group());
    o.put("connection", g.connection());
    g.classes().stream().map(Enum::name).sorted().forEach(o.putArray("classes")::add);
    g.verbs().stream().sorted().forEach(o.putArray("verbs")::add);
    g.objects().forEach(o.putArray("objects")::add);
    o.put("reason", g.reason());
    o.put("createdBy", g.createdBy());
    o.put("createdAt", g.createdAt().toString());
    o.put("expiresAt", g.expiresAt().toString());
    o.put("revokedBy", g.revokedBy());
    o.put("revokedAt", g.revokedAt() == null ? null : g.revokedAt().toString());
    return o.toString();
  }

  static JitGrant fromJson(String text) throws Exception {
    JsonNode o = JSON.readTree(text);
    Set<StatementClass> classes = new HashSet<>();
    o.path("classes").forEach(c -> classes.add(StatementClass.valueOf(c.asText())));
    Set<String> verbs = new HashSet<>();
    o.path("verbs").forEach(v -> verbs.add(v.asText()));
    List<String> objects = new ArrayList<>();
    o.path("objects").forEach(v -> objects.add(v.asText()));
    return new JitGrant(
        o.path("id").asText(),
        text(o, "subject"),
        text(o, "group"),
        text(o, "connection"),
        classes,
        verbs,
        objects,
        text(o, "reason"),
        text(o, "createdBy"),
        Instant.parse(o.path("createdAt").asText()),
        Instant.parse(o.path("expiresAt").asText()),
        text(o, "revokedBy"),
        o.path("revokedAt").isTextual() ? Instant.parse(o.path("revokedAt").asText()) : null);
  }

  private static String text(JsonNode o, String field) {
    return o.path(field).isTextual() ? o.path(field).asText() : null;
  }
}
