package dev.warden.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.core.approval.JitGrant;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.identity.CredentialShapes;
import dev.warden.core.mask.Classifiers;
import dev.warden.core.policy.Decision;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.util.List;
import java.util.TreeSet;

/**
 * Audit events as stored records, format version 1: the kind, the session's keys in columns (for
 * search), the rest as JSON. Statement text and bind parameters pass the content classifiers (card
 * numbers, SSNs, e-mail addresses, IBANs masked) before they are stored, whatever the session's
 * policy: nothing regulated reaches the store in clear. Results arrive already masked.
 */
public final class AuditCodec {
  public static final int VERSION = 1;

  private final ObjectMapper json = new ObjectMapper();
  // Kept: a node's toString() sets up a serializer provider on every call.
  private final ObjectWriter writer = json.writer();
  private final Classifiers classifiers = Classifiers.all();

  public AuditRecord.Draft draft(AuditEvent event) {
    ObjectNode o = json.createObjectNode();
    o.put("v", VERSION);
    String kind;
    SessionContext session = null;
    switch (event) {
      case AuditEvent.SessionStarted e -> {
        kind = "session.start";
        session = e.session();
        o.put("client", e.session().clientAddress());
        o.put("application", CredentialShapes.redactName(e.session().applicationName()));
        if (e.tls() != null) {
          o.put("tls", e.tls());
        }
        o.put("issuer", e.session().identity().issuer());
        ArrayNode groups = o.putArray("groups");
        new TreeSet<>(e.session().identity().groups()).forEach(groups::add);
        ArrayNode roles = o.putArray("roles");
        new TreeSet<>(e.session().roles()).forEach(roles::add);
      }
      case AuditEvent.AuthenticationFailed e -> {
        kind = "auth.failure";
        o.put("client", e.clientAddress());
        o.put("user", CredentialShapes.redactName(e.user()));
        o.put("reason", scrub(e.reason()));
      }
      case AuditEvent.StatementDecided e -> {
        kind = "statement";
        session = e.session();
        o.put("statement", e.statementId());
        o.put("sql", scrub(e.statement().text()));
        o.put("class", e.statement().statementClass().name());
        ArrayNode verbs = o.putArray("operations");
        ArrayNode objects = o.putArray("objects");
        TreeSet<String> ops = new TreeSet<>();
        TreeSet<String> tables = new TreeSet<>();
        for (StatementPart part : e.statement().parts()) {
          ops.addAll(part.operations());
          part.reads().stream().map(TableRef::toString).forEach(tables::add);
          part.writes().stream().map(TableRef::toString).forEach(tables::add);
        }
        ops.forEach(verbs::add);
        tables.forEach(objects::add);
        if (!e.parameters().isEmpty()) {
          ArrayNode params = o.putArray("parameters");
          for (String p : e.parameters()) {
            if (p == null) {
              params.addNull();
            } else {
              params.add(scrub(p));
            }
          }
        }
        o.put(
            "decision",
            switch (e.decision()) {
              case Decision.Allow a -> "allow";
              case Decision.Deny d -> "deny";
              case Decision.Hold h -> "hold";
            });
        o.put("rule", e.decision().rule());
        if (e.decision() instanceof Decision.Deny d) {
          o.put("reason", scrub(d.reason()));
        } else if (e.decision() instanceof Decision.Hold h) {
          o.put("reason", scrub(h.reason()));
        }
      }
      case AuditEvent.StatementCompleted e -> {
        kind = "outcome";
        session = e.session();
        o.put("statement", e.statementId());
        o.put("rows", e.rows());
        if (e.errorSqlState() != null) {
          o.put("error", e.errorSqlState());
        }
        if (e.durationMicros() >= 0) {
          o.put("micros", e.durationMicros());
        }
        if (!e.columns().isEmpty()) {
          ArrayNode columns = o.putArray("columns");
          e.columns().forEach(columns::add);
        }
        if (!e.sampleRows().isEmpty()) {
          ArrayNode rows = o.putArray("result");
          for (List<String> row : e.sampleRows()) {
            ArrayNode r = rows.addArray();
            for (String cell : row) {
              if (cell == null) {
                r.addNull();
              } else {
                r.add(scrub(cell));
              }
            }
          }
        }
        if (!e.messages().isEmpty()) {
          ArrayNode messages = o.putArray("messages");
          e.messages().forEach(m -> messages.add(scrub(m)));
        }
        if (!e.results().isEmpty()) {
          // A Query of several statements: each one's result (the fields above hold the first).
          ArrayNode results = o.putArray("results");
          for (AuditEvent.Result result : e.results()) {
            ObjectNode r = results.addObject();
            ArrayNode columns = r.putArray("columns");
            result.columns().forEach(columns::add);
            ArrayNode rows = r.putArray("result");
            for (List<String> row : result.rows()) {
              ArrayNode cells = rows.addArray();
              for (String cell : row) {
                if (cell == null) {
                  cells.addNull();
                } else {
                  cells.add(scrub(cell));
                }
              }
            }
            if (result.tag() != null) {
              r.put("tag", result.tag());
            }
          }
        }
      }
      case AuditEvent.SessionEnded e -> {
        kind = "session.end";
        session = e.session();
        o.put("statements", e.statements());
      }
      case AuditEvent.ApprovalChanged e -> {
        kind = "approval";
        o.put("request", e.requestId());
        o.put("step", e.step());
        if (e.actor() != null) {
          o.put("actor", e.actor());
        }
        if (e.comment() != null) {
          o.put("comment", scrub(e.comment()));
        }
        o.put("rule", e.request().rule());
        o.put("sql", scrub(e.request().sql()));
        o.put("state", e.request().state().name().toLowerCase(java.util.Locale.ROOT));
        if (e.sessionId() != null) {
          o.put("session", e.sessionId());
        }
      }
      case AuditEvent.GrantChanged e -> {
        kind = "grant";
        o.put("grant", e.grantId());
        o.put("step", e.step());
        o.put("actor", e.actor());
        JitGrant g = e.grant();
        o.put("subject", g.subject());
        o.put("group", g.group());
        o.put("connection", g.connection());
        ArrayNode classes = o.putArray("classes");
        g.classes().stream().map(Enum::name).sorted().forEach(classes::add);
        ArrayNode verbs = o.putArray("verbs");
        g.verbs().stream().sorted().forEach(verbs::add);
        ArrayNode objects = o.putArray("objects");
        g.objects().forEach(objects::add);
        o.put("reason", scrub(g.reason()));
        o.put("expires", g.expiresAt().toString());
      }
      case AuditEvent.PolicyChanged e -> {
        kind = "policy";
        o.put("version", e.version());
        o.put("sha256", e.sha256());
        o.put("source", e.source());
        if (e.rejection() != null) {
          o.put("rejected", e.rejection());
        }
      }
    }
    return new AuditRecord.Draft(
        event.at().toEpochMilli(),
        kind,
        session == null ? null : session.sessionId(),
        session == null ? null : session.identity().subject(),
        session == null ? null : session.connection(),
        text(o));
  }

  private String text(ObjectNode o) {
    try {
      return writer.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an audit record as JSON", e);
    }
  }

  /** Every free text: credentials (a token pasted into SQL, say) and classified values masked. */
  private String scrub(String text) {
    return text == null ? null : classifiers.scrub(CredentialShapes.redact(text));
  }
}
