package dev.warden.frontend.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.approval.ApprovalRequest;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.gateway.config.WardenConfig.Connection;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The MCP door's tools. None decides anything: each runs the agent's statement through Warden's
 * wire door, in a wire session of the agent's own identity, and the kernel decides it on the parsed
 * statement — {@code query} and {@code explain} in a read-only session, {@code execute} in one
 * where the policy decides alone; a held statement comes back at once with its approval request.
 * Refusals come back as tool errors naming the rule, the reason and what to do next.
 */
final class Tools {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RULE = Pattern.compile("rule ([A-Za-z0-9_.:-]*[A-Za-z0-9_.-])");
  private static final Pattern REQUEST = Pattern.compile("request (apr_[A-Za-z0-9]+)");

  private final ServerContext server;
  private final WardenConfig.Mcp settings;
  private final AgentSessions sessions;
  private final McpJsonMapper mapper;
  private final Catalog catalog;
  private final CallLimits limits;

  Tools(
      ServerContext server,
      WardenConfig.Mcp settings,
      AgentSessions sessions,
      McpJsonMapper mapper) {
    this.server = server;
    this.settings = settings;
    this.sessions = sessions;
    this.mapper = mapper;
    this.catalog = new Catalog(server, sessions.scheduler());
    this.limits =
        new CallLimits(settings.maxConcurrentCalls(), settings.callsPerMinute(), System::nanoTime);
  }

  private static final String STATEMENT_INPUT =
      """
      {"type": "object", "properties": {
        "connection": {"type": "string", "description": "a connection name from list_connections"},
        "sql": {"type": "string", "description": "one SQL statement"},
        "parameters": {"type": "array", "items": {"type": ["string", "number", "boolean", "null"]},
                       "description": "values for the ? placeholders of the statement, in order"}%s},
       "required": ["connection", "sql"], "additionalProperties": false}
      """;

  private static final String RESULT_OUTPUT =
      """
      {"type": "object", "properties": {
        "columns": {"type": "array", "items": {"type": "object"}},
        "rows": {"type": "array", "items": {"type": "array"}},
        "rowCount": {"type": "integer"},
        "truncated": {"type": "boolean"},
        "command": {"type": "string"},
        "error": {"type": "string"}, "rule": {"type": "string"}, "hint": {"type": "string"},
        "approvalRequest": {"type": "string"}}}
      """;

  private static final String REQUEST_INPUT =
      """
      {"type": "object", "properties": {
        "request_id": {"type": "string", "description": "the approval request id (apr_...)"}%s},
       "required": ["request_id"], "additionalProperties": false}
      """;

  List<SyncToolSpecification> all() {
    return List.of(
        tool(
            "list_connections",
            "The databases you may use through Warden, by connection name.",
            "{\"type\": \"object\", \"properties\": {}, \"additionalProperties\": false}",
            null,
            true,
            false,
            this::listConnections),
        tool(
            "list_schemas",
            "The schemas of a connection that hold tables you may read.",
            "{\"type\": \"object\", \"properties\": {\"connection\": {\"type\": \"string\"}},"
                + " \"required\": [\"connection\"], \"additionalProperties\": false}",
            null,
            true,
            false,
            this::listSchemas),
        tool(
            "list_tables",
            "The tables and views of a connection you may read (optionally of one schema), from"
                + " Warden's catalog of the database.",
            "{\"type\": \"object\", \"properties\": {\"connection\": {\"type\": \"string\"},"
                + " \"schema\": {\"type\": \"string\"}}, \"required\": [\"connection\"],"
                + " \"additionalProperties\": false}",
            null,
            true,
            false,
            this::listTables),
        tool(
            "describe_table",
            "A table's columns and their types, as a read of it shows them; the columns Warden"
                + " masks for you are marked, with the rule. A table you may not read is refused.",
            "{\"type\": \"object\", \"properties\": {\"connection\": {\"type\": \"string\"},"
                + " \"table\": {\"type\": \"string\", \"description\": \"schema.table, or table\"}},"
                + " \"required\": [\"connection\", \"table\"], \"additionalProperties\": false}",
            null,
            true,
            false,
            this::describeTable),
        tool(
            "query",
            "Runs one read-only SQL statement (SELECT, SHOW, ...) and returns its rows. Anything"
                + " that is not a read is refused; masked columns come back masked. Rows are capped"
                + " (max_rows, and a byte cap): 'truncated' says when more were left off.",
            STATEMENT_INPUT.formatted(
                ", \"max_rows\": {\"type\": \"integer\", \"minimum\": 1,"
                    + " \"description\": \"at most this many rows (default and cap: the"
                    + " gateway's)\"}"),
            RESULT_OUTPUT,
            true,
            false,
            (caller, session, args) -> statement(caller, session, args, true, false)),
        tool(
            "explain",
            "Shows the database's plan for a statement (EXPLAIN), without running it.",
            STATEMENT_INPUT.formatted(""),
            RESULT_OUTPUT,
            true,
            false,
            (caller, session, args) -> statement(caller, session, args, true, true)),
        tool(
            "execute",
            "Runs one statement that may change data or schema (INSERT, UPDATE, DELETE, DDL), as the"
                + " policy allows. A statement the policy holds for a person's approval is not run:"
                + " the result names the approval request; wait_for_approval, then run_approved.",
            STATEMENT_INPUT.formatted(""),
            RESULT_OUTPUT,
            false,
            true,
            (caller, session, args) -> statement(caller, session, args, false, false)),
        tool(
            "approval_status",
            "The state of one of your approval requests: pending, approved, denied, expired.",
            REQUEST_INPUT.formatted(""),
            null,
            true,
            false,
            (caller, session, args) -> status(caller, args, 0)),
        tool(
            "wait_for_approval",
            "Waits (at most timeout_seconds, up to 60) until one of your approval requests is"
                + " decided, and returns its state.",
            REQUEST_INPUT.formatted(
                ", \"timeout_seconds\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 60}"),
            null,
            true,
            false,
            (caller, session, args) ->
                status(
                    caller, args, Math.min(60, Math.max(1, intArg(args, "timeout_seconds", 30))))),
        tool(
            "run_approved",
            "Runs the exact statement an approver allowed, once. A second run is refused.",
            REQUEST_INPUT.formatted(""),
            RESULT_OUTPUT,
            false,
            true,
            this::runApproved));
  }

  /** One tool's work, for the caller of this request in its MCP session. */
  @FunctionalInterface
  interface Handler {
    CallToolResult handle(
        Caller caller, AgentSessions.AgentSession session, Map<String, Object> args)
        throws ToolRefusal;
  }

  private SyncToolSpecification tool(
      String name,
      String description,
      String input,
      String output,
      boolean readOnly,
      boolean destructive,
      Handler handler) {
    Tool.Builder tool =
        Tool.builder()
            .name(name)
            .description(description)
            .inputSchema(mapper, input)
            .annotations(new ToolAnnotations(name, readOnly, destructive, false, false, null));
    if (output != null) {
      tool.outputSchema(mapper, output);
    }
    return SyncToolSpecification.builder()
        .tool(tool.build())
        .callHandler((exchange, request) -> call(exchange, request, handler))
        .build();
  }

  private CallToolResult call(
      McpSyncServerExchange exchange, CallToolRequest request, Handler handler) {
    Caller caller = (Caller) exchange.transportContext().get(Caller.ATTRIBUTE);
    if (caller == null) {
      return refusal("no caller identity on this request", "send a bearer token");
    }
    McpSchema.Implementation client = exchange.getClientInfo();
    try {
      limits.acquire(caller);
    } catch (ToolRefusal r) {
      return refusal(r.getMessage(), r.hint);
    }
    try {
      AgentSessions.AgentSession session =
          sessions.session(
              exchange.sessionId(),
              caller,
              client == null ? null : client.name() + " " + client.version());
      Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
      return handler.handle(caller, session, args);
    } catch (ToolRefusal r) {
      return refusal(r.getMessage(), r.hint);
    } finally {
      limits.release(caller);
    }
  }

  private CallToolResult listConnections(
      Caller caller, AgentSessions.AgentSession session, Map<String, Object> args) {
    List<Map<String, Object>> connections = new ArrayList<>();
    for (Connection c : server.config().connections().values()) {
      if (caller.authenticated().mayUse(c.name())) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("name", c.name());
        one.put("protocol", c.protocol());
        one.put("database", c.database());
        connections.add(one);
      }
    }
    connections.sort((a, b) -> ((String) a.get("name")).compareTo((String) b.get("name")));
    return ok(Map.of("connections", connections));
  }

  private CallToolResult listTables(
      Caller caller, AgentSessions.AgentSession session, Map<String, Object> args)
      throws ToolRefusal {
    Connection connection = connection(caller, args);
    try {
      // The wire session's start reads the connection's catalog when it is due.
      session.connection(connection, true, caller);
    } catch (java.sql.SQLException e) {
      return error(failure(e));
    }
    return ok(Map.of("tables", catalog.readable(caller, connection, stringArg(args, "schema"))));
  }

  private CallToolResult listSchemas(
      Caller caller, AgentSessions.AgentSession session, Map<String, Object> args)
      throws ToolRefusal {
    CallToolResult tables =
        listTables(caller, session, Map.of("connection", connection(caller, args).name()));
    if (Boolean.TRUE.equals(tables.isError())) {
      return tables;
    }
    List<Object> schemas =
        ((List<?>) ((Map<?, ?>) tables.structuredContent()).get("tables"))
            .stream()
                .map(t -> ((Map<?, ?>) t).get("schema"))
                .distinct()
                .map(o -> (Object) o)
                .toList();
    return ok(Map.of("schemas", schemas));
  }

  private CallToolResult describeTable(
      Caller caller, AgentSessions.AgentSession session, Map<String, Object> args)
      throws ToolRefusal {
    Connection connection = connection(caller, args);
    String name = stringArg(args, "table");
    if (name == null || name.isBlank()) {
      throw new ToolRefusal("no table", "give the table as schema.table in 'table'");
    }
    int dot = name.indexOf('.');
    String table = dot < 0 ? name : name.substring(dot + 1);
    String schema = dot < 0 ? catalog.schemaOf(connection, table) : name.substring(0, dot);
    // A read of no rows: the kernel decides whether the caller may read the table at all (and
    // records it); the database describes its columns.
    Map<String, Object> read =
        run(
            caller,
            session,
            connection,
            true,
            "SELECT * FROM " + Catalog.quote(schema) + "." + Catalog.quote(table) + " LIMIT 0",
            List.of(),
            1);
    if (read.containsKey("error")) {
      return error(read);
    }
    var masks = catalog.masks(caller, connection, schema, table);
    List<Map<String, Object>> columns = new ArrayList<>();
    for (Object c : (List<?>) read.get("columns")) {
      Map<String, Object> column =
          new LinkedHashMap<>((Map<?, ?>) c instanceof Map<?, ?> m ? castMap(m) : Map.of());
      var mask = masks.get(String.valueOf(column.get("name")));
      column.put("masked", mask != null);
      if (mask != null) {
        column.put("maskRule", mask.rule());
      }
      columns.add(column);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("schema", schema);
    out.put("table", table);
    out.put("columns", columns);
    return ok(out);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> m) {
    return (Map<String, Object>) m;
  }

  private Connection connection(Caller caller, Map<String, Object> args) throws ToolRefusal {
    String name = stringArg(args, "connection");
    Connection connection = name == null ? null : server.config().connections().get(name);
    if (connection == null || !caller.authenticated().mayUse(connection.name())) {
      throw new ToolRefusal(
          "no connection \"" + name + "\" you may use", "list_connections names the ones you may");
    }
    return connection;
  }

  private CallToolResult statement(
      Caller caller,
      AgentSessions.AgentSession session,
      Map<String, Object> args,
      boolean readOnly,
      boolean explain)
      throws ToolRefusal {
    Connection connection = connection(caller, args);
    String sql = stringArg(args, "sql");
    if (sql == null || sql.isBlank()) {
      throw new ToolRefusal("no statement", "give the SQL statement in 'sql'");
    }
    List<Object> parameters = listArg(args, "parameters");
    int maxRows = Math.min(settings.maxRows(), Math.max(1, intArg(args, "max_rows", 100)));
    String text = explain ? "EXPLAIN " + sql : sql;
    Map<String, Object> out = run(caller, session, connection, readOnly, text, parameters, maxRows);
    if (!readOnly && out.get("approvalRequest") instanceof String id) {
      sessions.rememberAsked(
          id,
          new AgentSessions.Asked(
              caller.subject(),
              caller.authenticated().identity().issuer(),
              connection.name(),
              text,
              parameters.stream().map(p -> p == null ? null : String.valueOf(p)).toList()));
    }
    return out.containsKey("error") ? error(out) : ok(out);
  }

  private Map<String, Object> run(
      Caller caller,
      AgentSessions.AgentSession session,
      Connection connection,
      boolean readOnly,
      String sql,
      List<Object> parameters,
      int maxRows) {
    java.sql.Connection c;
    try {
      c = session.connection(connection, readOnly, caller);
    } catch (SQLException e) {
      return failure(e);
    }
    try (Statement s = parameters.isEmpty() ? c.createStatement() : c.prepareStatement(sql)) {
      if (s instanceof PreparedStatement ps) {
        for (int i = 0; i < parameters.size(); i++) {
          Object value = parameters.get(i);
          if (value == null) {
            ps.setNull(i + 1, Types.NULL);
          } else {
            ps.setObject(i + 1, String.valueOf(value), Types.OTHER);
          }
        }
      }
      s.setMaxRows(maxRows + 1);
      boolean rows = s instanceof PreparedStatement ps ? ps.execute() : s.execute(sql);
      return rows ? rows(s.getResultSet(), maxRows) : Map.of("rowCount", s.getUpdateCount());
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
        session.broken(c);
      }
      return failure(e);
    }
  }

  private Map<String, Object> rows(ResultSet rs, int maxRows) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    List<Map<String, Object>> columns = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      // The type by its JDBC kind: pgJDBC's own type names would read the catalog (pg_attribute,
      // pg_type) through the gateway, which the caller's policy need not allow.
      String type;
      try {
        type = java.sql.JDBCType.valueOf(md.getColumnType(i)).getName().toLowerCase(Locale.ROOT);
      } catch (SQLException | IllegalArgumentException e) {
        type = "other";
      }
      Map<String, Object> column = new LinkedHashMap<>();
      column.put("name", md.getColumnLabel(i));
      column.put("type", type);
      columns.add(column);
    }
    List<List<String>> rows = new ArrayList<>();
    long bytes = 0;
    boolean truncated = false;
    while (rs.next()) {
      if (rows.size() == maxRows) {
        truncated = true;
        break;
      }
      List<String> row = new ArrayList<>(n);
      for (int i = 1; i <= n; i++) {
        String value = rs.getString(i);
        bytes += value == null ? 4 : value.length() + 3;
        row.add(value);
      }
      if (bytes > settings.maxResultBytes()) {
        truncated = true;
        break;
      }
      rows.add(row);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("columns", columns);
    out.put("rows", rows);
    out.put("rowCount", rows.size());
    out.put("truncated", truncated);
    return out;
  }

  /** A statement the gateway refused or the database failed, as the agent can act on it. */
  private static Map<String, Object> failure(SQLException e) {
    String message = e.getMessage();
    String hint = null;
    if (e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
      message = p.getServerErrorMessage().getMessage();
      hint = p.getServerErrorMessage().getHint();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", message == null ? "the statement failed" : message);
    if (e.getSQLState() != null) {
      out.put("sqlState", e.getSQLState());
    }
    if (message != null) {
      Matcher rule = RULE.matcher(message);
      if (rule.find()) {
        out.put("rule", rule.group(1));
      }
      Matcher request = REQUEST.matcher(message);
      if (request.find()) {
        out.put("approvalRequest", request.group(1));
        out.put(
            "next",
            "an approver must allow it (warden approvals); then wait_for_approval and"
                + " run_approved with this request id");
      }
    }
    if (hint != null) {
      out.put("hint", hint);
    }
    return out;
  }

  private CallToolResult status(Caller caller, Map<String, Object> args, int waitSeconds)
      throws ToolRefusal {
    String id = stringArg(args, "request_id");
    long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
    while (true) {
      ApprovalRequest request = request(caller, id);
      if (request.state().ended() || System.nanoTime() >= deadline) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("request_id", request.id());
        out.put("state", request.state().name().toLowerCase(java.util.Locale.ROOT));
        out.put("rule", request.rule());
        out.put("approvers", request.approvers().stream().sorted().toList());
        out.put("expiresAt", String.valueOf(request.expiresAt()));
        if (request.estimate() != null) {
          out.put("estimate", String.valueOf(request.estimate()));
        }
        List<String> words = new ArrayList<>();
        for (ApprovalRequest.Vote v : request.votes()) {
          words.add(
              v.approver()
                  + (v.approve() ? " approved" : " denied")
                  + (v.comment() == null ? "" : ": " + v.comment()));
        }
        out.put("votes", words);
        return ok(out);
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ToolRefusal("interrupted", "ask again");
      }
    }
  }

  /** One of the caller's own requests; anyone else's is "not found", as one that is not. */
  private ApprovalRequest request(Caller caller, String id) throws ToolRefusal {
    ApprovalRequest request;
    try {
      request = id == null ? null : server.approvals().find(id).orElse(null);
    } catch (Exception e) {
      throw new ToolRefusal("the approval store is unavailable", "retry shortly");
    }
    if (request == null
        || !request.requester().equals(caller.subject())
        || !request.requesterIssuer().equals(caller.authenticated().identity().issuer())) {
      throw new ToolRefusal("no approval request " + id + " of yours", "execute opens one");
    }
    return request;
  }

  private CallToolResult runApproved(
      Caller caller, AgentSessions.AgentSession session, Map<String, Object> args)
      throws ToolRefusal {
    String id = stringArg(args, "request_id");
    ApprovalRequest request = request(caller, id);
    AgentSessions.Asked asked = sessions.asked(id);
    if (asked == null) {
      throw new ToolRefusal(
          "request " + id + " was not opened through this gateway's MCP door",
          "run its statement where you sent it");
    }
    if (request.state() != ApprovalRequest.State.APPROVED) {
      throw new ToolRefusal(
          "request "
              + id
              + " is "
              + request.state().name().toLowerCase(java.util.Locale.ROOT)
              + ", not approved",
          request.state() == ApprovalRequest.State.PENDING
              ? "wait_for_approval first"
              : "an approved statement runs once; send it again with execute for a new request");
    }
    Connection connection = server.config().connections().get(asked.connection());
    List<Object> parameters = new ArrayList<>(asked.params());
    // The exact text and parameters: the kernel runs it only if they are what was approved.
    Map<String, Object> out =
        run(caller, session, connection, false, asked.sql(), parameters, settings.maxRows());
    if (!out.containsKey("error")) {
      sessions.forgetAsked(id);
    }
    return out.containsKey("error") ? error(out) : ok(out);
  }

  private CallToolResult ok(Map<String, Object> out) {
    return CallToolResult.builder()
        .structuredContent(out)
        .addTextContent(text(out))
        .isError(false)
        .build();
  }

  private CallToolResult error(Map<String, Object> out) {
    return CallToolResult.builder()
        .structuredContent(out)
        .addTextContent(text(out))
        .isError(true)
        .build();
  }

  private CallToolResult refusal(String reason, String hint) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("error", "warden: " + reason);
    if (hint != null) {
      out.put("hint", hint);
    }
    return error(out);
  }

  private static String text(Map<String, Object> out) {
    try {
      return JSON.writeValueAsString(out);
    } catch (JsonProcessingException e) {
      return String.valueOf(out);
    }
  }

  private static String stringArg(Map<String, Object> args, String name) {
    Object v = args.get(name);
    return v == null ? null : String.valueOf(v);
  }

  private static int intArg(Map<String, Object> args, String name, int fallback) {
    return args.get(name) instanceof Number n ? n.intValue() : fallback;
  }

  private static List<Object> listArg(Map<String, Object> args, String name) {
    return args.get(name) instanceof List<?> l ? new ArrayList<>(l) : List.of();
  }
}
