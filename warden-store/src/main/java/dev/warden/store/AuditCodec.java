package dev.warden.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
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
import java.io.IOException;
import java.io.StringWriter;
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
  private final JsonFactory factory = json.getFactory();
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
        if (e.protocol() != null) {
          o.put("protocol", e.protocol());
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
        // The two kinds of every statement are written straight to text (no tree): the same JSON,
        // field for field, at a fraction of the cost.
        return new AuditRecord.Draft(
            e.at().toEpochMilli(),
            "statement",
            e.session().sessionId(),
            e.session().identity().subject(),
            e.session().connection(),
            streamed(g -> statement(g, e)));
      }
      case AuditEvent.StatementCompleted e -> {
        return new AuditRecord.Draft(
            e.at().toEpochMilli(),
            "outcome",
            e.session().sessionId(),
            e.session().identity().subject(),
            e.session().connection(),
            streamed(g -> outcome(g, e)));
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

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  /** An object whose first field is the format version, then {@code fields}, as text. */
  private String streamed(Fields fields) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = factory.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("v", VERSION);
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write an audit record as JSON", e);
    }
    return out.toString();
  }

  private void statement(JsonGenerator g, AuditEvent.StatementDecided e) throws IOException {
    g.writeNumberField("statement", e.statementId());
    g.writeStringField("sql", scrub(e.statement().text()));
    g.writeStringField("class", e.statement().statementClass().name());
    TreeSet<String> ops = new TreeSet<>();
    TreeSet<String> tables = new TreeSet<>();
    for (StatementPart part : e.statement().parts()) {
      ops.addAll(part.operations());
      for (TableRef t : part.reads()) {
        tables.add(t.toString());
      }
      for (TableRef t : part.writes()) {
        tables.add(t.toString());
      }
    }
    strings(g, "operations", ops);
    strings(g, "objects", tables);
    if (!e.parameters().isEmpty()) {
      g.writeArrayFieldStart("parameters");
      for (String p : e.parameters()) {
        g.writeString(scrub(p));
      }
      g.writeEndArray();
    }
    g.writeStringField(
        "decision",
        switch (e.decision()) {
          case Decision.Allow a -> "allow";
          case Decision.Deny d -> "deny";
          case Decision.Hold h -> "hold";
        });
    g.writeStringField("rule", e.decision().rule());
    if (e.decision() instanceof Decision.Deny d) {
      g.writeStringField("reason", scrub(d.reason()));
    } else if (e.decision() instanceof Decision.Hold h) {
      g.writeStringField("reason", scrub(h.reason()));
    }
  }

  private void outcome(JsonGenerator g, AuditEvent.StatementCompleted e) throws IOException {
    g.writeNumberField("statement", e.statementId());
    g.writeNumberField("rows", e.rows());
    if (e.errorSqlState() != null) {
      g.writeStringField("error", e.errorSqlState());
    }
    if (e.durationMicros() >= 0) {
      g.writeNumberField("micros", e.durationMicros());
    }
    if (!e.columns().isEmpty()) {
      strings(g, "columns", e.columns());
    }
    if (!e.sampleRows().isEmpty()) {
      g.writeFieldName("result");
      rows(g, e.sampleRows());
    }
    if (!e.messages().isEmpty()) {
      g.writeArrayFieldStart("messages");
      for (String m : e.messages()) {
        g.writeString(scrub(m));
      }
      g.writeEndArray();
    }
    if (!e.results().isEmpty()) {
      // A Query of several statements: each one's result (the fields above hold the first).
      g.writeArrayFieldStart("results");
      for (AuditEvent.Result result : e.results()) {
        g.writeStartObject();
        strings(g, "columns", result.columns());
        g.writeFieldName("result");
        rows(g, result.rows());
        if (result.tag() != null) {
          g.writeStringField("tag", result.tag());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    }
  }

  private static void strings(JsonGenerator g, String field, Iterable<String> values)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (String v : values) {
      g.writeString(v);
    }
    g.writeEndArray();
  }

  private void rows(JsonGenerator g, List<List<String>> rows) throws IOException {
    g.writeStartArray();
    for (List<String> row : rows) {
      g.writeStartArray();
      for (String cell : row) {
        g.writeString(scrub(cell));
      }
      g.writeEndArray();
    }
    g.writeEndArray();
  }

  /** Every free text: credentials (a token pasted into SQL, say) and classified values masked. */
  private String scrub(String text) {
    return text == null ? null : classifiers.scrub(CredentialShapes.redact(text));
  }
}
