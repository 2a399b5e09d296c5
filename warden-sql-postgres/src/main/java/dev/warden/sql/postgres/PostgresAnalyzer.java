package dev.warden.sql.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.CopyFormat;
import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Analyses PostgreSQL statements on PostgreSQL's own parse tree: every statement of a
 * multi-statement string, its class and verb, the tables it reads and writes wherever they hide
 * (writable CTEs, SELECT INTO, CREATE TABLE AS, EXPLAIN ANALYZE), and the functions it calls. What
 * does not parse is {@link StatementClass#INVALID}: never forwarded.
 */
public final class PostgresAnalyzer implements SqlAnalyzer {
  /** Statements longer than this are not parsed (and so not forwarded). */
  /**
   * Longer statements are denied. A statement's JSON parse tree can be a hundred times its length
   * ({@code 1+1+1…}), so this bounds the memory and time one statement can cost; bulk loads belong
   * in COPY, whose data is not parsed.
   */
  public static final int MAX_STATEMENT_CHARS = 256 * 1024;

  /** Node types that write the relation in their {@code relation} field. */
  private static final Set<String> WRITES_RELATION =
      Set.of(
          "InsertStmt",
          "UpdateStmt",
          "DeleteStmt",
          "MergeStmt",
          "CreateStmt",
          "AlterTableStmt",
          "IndexStmt",
          "RenameStmt",
          "CreateTrigStmt",
          "RuleStmt",
          "ClusterStmt",
          "ReindexStmt",
          "CreatePolicyStmt",
          "AlterPolicyStmt",
          "RefreshMatViewStmt");

  private final PgQuery pgQuery;
  private final ObjectMapper json = new ObjectMapper();

  public PostgresAnalyzer(PgQuery pgQuery) {
    this.pgQuery = pgQuery;
  }

  @Override
  public Statement analyze(String sql) {
    if (sql.indexOf('\0') >= 0) {
      // C sees the text up to the NUL only; the wire cannot carry one, so nothing legitimate does.
      return Statement.invalid(sql, "the statement contains a NUL character");
    }
    if (sql.length() > MAX_STATEMENT_CHARS) {
      return Statement.invalid(
          sql, "the statement is longer than " + MAX_STATEMENT_CHARS + " characters");
    }
    PgQuery.ParseResult parsed = pgQuery.parse(sql);
    if (!parsed.ok()) {
      return Statement.invalid(
          sql,
          "PostgreSQL's parser rejects it: "
              + parsed.error()
              + " (at character "
              + parsed.errorPosition()
              + ")");
    }
    JsonNode tree;
    try {
      tree = json.readTree(parsed.json());
    } catch (JsonProcessingException e) {
      // Jackson refuses trees nested deeper than 1000 levels; so does Warden.
      return Statement.invalid(
          sql, "the statement is nested too deeply to analyse (over 1000 levels)");
    }
    List<StatementPart> parts = new ArrayList<>();
    for (JsonNode raw : tree.path("stmts")) {
      JsonNode stmt = raw.path("stmt");
      String type = stmt.fieldNames().hasNext() ? stmt.fieldNames().next() : "";
      List<String> settingCalls = new ArrayList<>();
      parts.add(part(type, stmt.path(type), settingCalls));
      // Each set_config('name', value) the part calls is decided like SET name (after it).
      for (String setting : settingCalls) {
        parts.add(setting(setting));
      }
    }
    StatementClass overall = parts.isEmpty() ? StatementClass.UTILITY : significant(parts);
    return new Statement(sql, overall, parts, null);
  }

  /** The part a statement inside another one is (PREPARE's, EXPLAIN's, DECLARE's query). */
  private StatementPart inner(JsonNode query) {
    String innerType = query.fieldNames().hasNext() ? query.fieldNames().next() : "";
    return part(innerType, query.path(innerType), null);
  }

  /**
   * One statement of the string. {@code settingCalls}, when not null, collects the settings it
   * changes through set_config with a constant name; null where such calls must stay functions (a
   * statement inside PREPARE, EXPLAIN or DECLARE, decided as a whole).
   */
  private StatementPart part(String type, JsonNode node, List<String> settingCalls) {
    switch (type) {
      case "PrepareStmt" -> {
        // PREPARE is decided as the statement it prepares: one may prepare only what one may run.
        StatementPart inner = inner(node.path("query"));
        return new StatementPart(
            "PREPARE",
            inner.statementClass(),
            inner.reads(),
            inner.writes(),
            inner.functions(),
            inner.operations(),
            inner.settings(),
            node.path("name").asText(null),
            inner.dataModifications(),
            inner.columns(),
            null,
            inner.locksRows());
      }
      case "DeclareCursorStmt" -> {
        // A cursor is decided as its query; its FETCH, MOVE and CLOSE as the same query.
        StatementPart inner = inner(node.path("query"));
        return new StatementPart(
            "DECLARE",
            inner.statementClass(),
            inner.reads(),
            inner.writes(),
            inner.functions(),
            inner.operations(),
            inner.settings(),
            node.path("portalname").asText(null),
            inner.dataModifications(),
            Lineage.of(type, node),
            null,
            inner.locksRows());
      }
      case "ExplainStmt" -> {
        return explain(node);
      }
      default -> {}
    }
    Walk walk = new Walk(settingCalls, pinnedSetting(type, node));
    walk.visit(type, node, true);
    StatementClass statementClass = classify(type, node, walk);
    String verb = verb(type, node);
    if (type.equals("LockStmt") && node.path("mode").asInt(0) == ACCESS_SHARE_LOCK) {
      // The lock every SELECT takes (pg_dump takes it on each table it dumps): a read of them.
      return new StatementPart(
          verb,
          StatementClass.READ,
          walk.reads,
          Set.of(),
          walk.functions,
          Set.of("SELECT"),
          Set.of(),
          null,
          0,
          ColumnUses.NONE);
    }
    walk.operations.add(verb);
    Set<String> settings = new LinkedHashSet<>();
    if (type.equals("VariableSetStmt") && node.path("kind").asText("").equals("VAR_SET_MULTI")) {
      // SET TRANSACTION … / SET SESSION CHARACTERISTICS AS TRANSACTION …: the options set.
      settings.addAll(transactionSettings(node.path("args")));
    } else if (type.equals("TransactionStmt")) {
      settings.addAll(transactionSettings(node.path("options")));
    } else if (type.equals("VariableSetStmt")) {
      String kind = node.path("kind").asText("");
      settings.add(
          kind.equals("VAR_RESET_ALL")
              ? "ALL"
              : node.path("name").asText("").toLowerCase(Locale.ROOT));
    }
    String name =
        switch (type) {
          case "ExecuteStmt", "DeallocateStmt" -> node.path("name").asText(null);
          case "FetchStmt", "ClosePortalStmt" -> node.path("portalname").asText(null);
          case "DiscardStmt" -> node.path("target").asText("").replace("DISCARD_", "");
          default -> null;
        };
    return new StatementPart(
        verb,
        statementClass,
        walk.reads,
        walk.writes,
        walk.functions,
        walk.operations,
        settings,
        name,
        walk.dataModifications,
        Lineage.of(type, node),
        type.equals("CopyStmt") ? copyFormat(node.path("options")) : null,
        walk.locksRows);
  }

  /**
   * For {@code SELECT … FROM pg_settings WHERE name = 'x'} (one relation, that one condition): the
   * setting {@code x}, the only row its {@code name} column can hold; null for anything else.
   */
  private static String pinnedSetting(String type, JsonNode node) {
    if (!type.equals("SelectStmt") || node.path("fromClause").size() != 1) {
      return null;
    }
    JsonNode from = node.path("fromClause").get(0).path("RangeVar");
    String schema = from.path("schemaname").asText("pg_catalog");
    if (!from.path("relname").asText("").equals("pg_settings")
        || !schema.equals("pg_catalog")
        || from.has("alias")
        || node.has("withClause")) {
      return null;
    }
    JsonNode where = node.path("whereClause").path("A_Expr");
    if (!where.path("kind").asText("").equals("AEXPR_OP")
        || where.path("name").size() != 1
        || !where.path("name").get(0).path("String").path("sval").asText("").equals("=")) {
      return null;
    }
    JsonNode left = where.path("lexpr");
    JsonNode right = where.path("rexpr");
    JsonNode constant = isColumn(left, "name") ? right : isColumn(right, "name") ? left : null;
    if (constant == null || !constant.path("A_Const").has("sval")) {
      return null;
    }
    return constant.path("A_Const").path("sval").path("sval").asText("").toLowerCase(Locale.ROOT);
  }

  /** Whether an expression is the bare column reference {@code column}. */
  static boolean isColumn(JsonNode expression, String column) {
    JsonNode fields = expression.path("ColumnRef").path("fields");
    return fields.size() == 1
        && fields.get(0).path("String").path("sval").asText("").equals(column);
  }

  /** {@code LockStmt.mode} of ACCESS SHARE (lockdefs.h: AccessShareLock). */
  private static final int ACCESS_SHARE_LOCK = 1;

  /**
   * EXPLAIN is decided as the statement it explains. With ANALYZE it runs it, so it is that
   * statement (its writes are writes). Without, nothing runs: the tables it would write are only
   * read (planned), and a hold on it becomes an allow (see the policy engine), so an agent can look
   * at the plan of a statement that would wait for approval.
   */
  private StatementPart explain(JsonNode node) {
    StatementPart inner = inner(node.path("query"));
    ColumnUses columns = Lineage.of("ExplainStmt", node);
    if (hasOption(node.path("options"), "analyze")) {
      return new StatementPart(
          "EXPLAIN ANALYZE",
          inner.statementClass(),
          inner.reads(),
          inner.writes(),
          inner.functions(),
          inner.operations(),
          inner.settings(),
          null,
          inner.dataModifications(),
          columns,
          null,
          inner.locksRows());
    }
    Set<TableRef> planned = new LinkedHashSet<>(inner.reads());
    planned.addAll(inner.writes());
    return new StatementPart(
        "EXPLAIN",
        inner.statementClass(),
        planned,
        Set.of(),
        inner.functions(),
        inner.operations(),
        Set.of(),
        null,
        0,
        columns);
  }

  /** What a call of set_config with a constant name does: a SET of that setting. */
  private static StatementPart setting(String name) {
    return new StatementPart(
        "SET",
        name.equals("role") || name.equals("session_authorization")
            ? StatementClass.DCL
            : StatementClass.SESSION,
        Set.of(),
        Set.of(),
        Set.of(),
        Set.of("SET"),
        Set.of(name),
        null,
        0,
        ColumnUses.NONE);
  }

  /** How COPY … TO writes its rows, from its options (see {@link CopyFormat}). */
  static CopyFormat copyFormat(JsonNode options) {
    String format = "text";
    String delimiter = null;
    String quote = "\"";
    String escape = null;
    String nullString = null;
    boolean header = false;
    boolean understood = true;
    for (JsonNode option : options) {
      JsonNode def = option.path("DefElem");
      JsonNode arg = def.path("arg");
      String value =
          arg.has("String")
              ? arg.path("String").path("sval").asText()
              : arg.has("Boolean")
                  ? String.valueOf(arg.path("Boolean").path("boolval").asBoolean(false))
                  : arg.has("Integer") ? arg.path("Integer").path("ival").asText("0") : null;
      switch (def.path("defname").asText("")) {
        case "format" -> format = value == null ? "text" : value.toLowerCase(Locale.ROOT);
        case "delimiter" -> delimiter = value;
        case "quote" -> quote = value;
        case "escape" -> escape = value;
        case "null" -> nullString = value;
        case "header" ->
            header =
                value == null
                    || !(value.equalsIgnoreCase("false")
                        || value.equalsIgnoreCase("off")
                        || value.equals("0"));
        case "encoding" ->
            understood &= value != null && value.replace("-", "").equalsIgnoreCase("utf8");
        case "force_quote", "freeze" -> {}
        default -> understood = false;
      }
    }
    boolean csv = format.equals("csv");
    if (delimiter == null) {
      delimiter = csv ? "," : "\t";
    }
    if (escape == null) {
      escape = quote;
    }
    if (nullString == null) {
      nullString = csv ? "" : "\\N";
    }
    understood &=
        delimiter.length() == 1
            && quote != null
            && quote.length() == 1
            && escape.length() == 1
            && (csv || format.equals("text") || format.equals("binary"));
    return new CopyFormat(
        format,
        delimiter.isEmpty() ? '\t' : delimiter.charAt(0),
        quote == null || quote.isEmpty() ? '"' : quote.charAt(0),
        escape.isEmpty() ? '"' : escape.charAt(0),
        nullString,
        header,
        understood);
  }

  /**
   * Transaction options that are set, by name; {@code transaction_read_only} only when it asks for
   * READ WRITE (READ ONLY restricts, it never needs guarding).
   */
  private static Set<String> transactionSettings(JsonNode options) {
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode option : options) {
      JsonNode def = option.path("DefElem");
      String name = def.path("defname").asText("");
      boolean readOnly = def.path("arg").path("A_Const").path("ival").path("ival").asInt(0) == 1;
      if (!name.isEmpty() && !(name.equals("transaction_read_only") && readOnly)) {
        names.add(name);
      }
    }
    return names;
  }

  private static boolean hasOption(JsonNode options, String name) {
    for (JsonNode option : options) {
      JsonNode def = option.path("DefElem");
      if (name.equalsIgnoreCase(def.path("defname").asText())) {
        JsonNode arg = def.path("arg");
        // EXPLAIN (ANALYZE false) does not execute.
        return arg.isMissingNode()
            || !"false"
                .equalsIgnoreCase(
                    arg.path("String")
                        .path("sval")
                        .asText(arg.path("Boolean").path("boolval").asText("true")));
      }
    }
    return false;
  }

  private static StatementClass classify(String type, JsonNode node, Walk walk) {
    return switch (type) {
      case "SelectStmt" ->
          // SELECT INTO creates a table: a schema change, like CREATE TABLE AS.
          node.has("intoClause")
              ? StatementClass.DDL
              : walk.writes.isEmpty() ? StatementClass.READ : StatementClass.WRITE;
      case "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "TruncateStmt" ->
          StatementClass.WRITE;
      case "CreateTableAsStmt" -> StatementClass.DDL;
      case "CopyStmt" -> StatementClass.COPY;
      case "TransactionStmt" -> StatementClass.TRANSACTION;
      case "VariableSetStmt" -> {
        String name = node.path("name").asText("").toLowerCase(Locale.ROOT);
        yield name.equals("role") || name.equals("session_authorization")
            ? StatementClass.DCL
            : StatementClass.SESSION;
      }
      case "VariableShowStmt", "DiscardStmt", "DeallocateStmt" -> StatementClass.SESSION;
      case "GrantStmt",
          "GrantRoleStmt",
          "CreateRoleStmt",
          "AlterRoleStmt",
          "AlterRoleSetStmt",
          "DropRoleStmt",
          "AlterDefaultPrivilegesStmt",
          "ReassignOwnedStmt",
          "DropOwnedStmt" ->
          StatementClass.DCL;
      // Subscribing to notifications reads nothing but what others NOTIFY.
      case "ListenStmt", "UnlistenStmt" -> StatementClass.READ;
      case "ExecuteStmt",
          "LockStmt",
          "VacuumStmt",
          "NotifyStmt",
          "DoStmt",
          "CallStmt",
          "CheckPointStmt",
          "LoadStmt",
          "FetchStmt",
          "ClosePortalStmt",
          "ConstraintsSetStmt" ->
          StatementClass.UTILITY;
      default -> type.endsWith("Stmt") ? StatementClass.DDL : StatementClass.UTILITY;
    };
  }

  private static String verb(String type, JsonNode node) {
    return switch (type) {
      case "SelectStmt" -> node.has("intoClause") ? "SELECT INTO" : "SELECT";
      case "InsertStmt" -> "INSERT";
      case "UpdateStmt" -> "UPDATE";
      case "DeleteStmt" -> "DELETE";
      case "MergeStmt" -> "MERGE";
      case "TruncateStmt" -> "TRUNCATE";
      case "CopyStmt" -> "COPY";
      case "CreateStmt" -> "CREATE TABLE";
      case "CreateTableAsStmt" -> "CREATE TABLE AS";
      case "AlterTableStmt" -> "ALTER TABLE";
      case "IndexStmt" -> "CREATE INDEX";
      case "ViewStmt" -> "CREATE VIEW";
      case "CreateSchemaStmt" -> "CREATE SCHEMA";
      case "CreateExtensionStmt" -> "CREATE EXTENSION";
      case "CreatedbStmt" -> "CREATE DATABASE";
      case "DropdbStmt" -> "DROP DATABASE";
      case "DropStmt" ->
          "DROP " + node.path("removeType").asText("").replace("OBJECT_", "").replace('_', ' ');
      case "AlterSystemStmt" -> "ALTER SYSTEM";
      case "GrantStmt" -> node.path("is_grant").asBoolean(false) ? "GRANT" : "REVOKE";
      case "GrantRoleStmt" -> node.path("is_grant").asBoolean(false) ? "GRANT ROLE" : "REVOKE ROLE";
      case "TransactionStmt" ->
          node.path("kind").asText("").replace("TRANS_STMT_", "").replace('_', ' ');
      case "VariableSetStmt" ->
          node.path("kind").asText("").equals("VAR_RESET")
                  || node.path("kind").asText("").equals("VAR_RESET_ALL")
              ? "RESET"
              : "SET";
      case "VariableShowStmt" -> "SHOW";
      case "PrepareStmt" -> "PREPARE";
      case "ExecuteStmt" -> "EXECUTE";
      case "DeallocateStmt" -> "DEALLOCATE";
      case "DoStmt" -> "DO";
      case "CallStmt" -> "CALL";
      case "LockStmt" -> "LOCK";
      case "FetchStmt" -> node.path("ismove").asBoolean(false) ? "MOVE" : "FETCH";
      case "ClosePortalStmt" -> "CLOSE";
      case "VacuumStmt" -> node.path("is_vacuumcmd").asBoolean(false) ? "VACUUM" : "ANALYZE";
      case "ListenStmt" -> "LISTEN";
      case "UnlistenStmt" -> "UNLISTEN";
      case "NotifyStmt" -> "NOTIFY";
      default -> type.replace("Stmt", "").toUpperCase(Locale.ROOT);
    };
  }

  /** The most significant class of several parts: the one a policy would weigh most. */
  private static StatementClass significant(List<StatementPart> parts) {
    List<StatementClass> order =
        List.of(
            StatementClass.DCL,
            StatementClass.DDL,
            StatementClass.WRITE,
            StatementClass.COPY,
            StatementClass.UTILITY,
            StatementClass.SESSION,
            StatementClass.READ,
            StatementClass.TRANSACTION);
    for (StatementClass c : order) {
      if (parts.stream().anyMatch(p -> p.statementClass() == c)) {
        return c;
      }
    }
    return parts.getFirst().statementClass();
  }

  private static final Set<String> DATA_MODIFYING =
      Set.of("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt");

  /** One walk over a statement's tree, with the CTE names in scope at each point. */
  private static final class Walk {
    final Set<TableRef> reads = new LinkedHashSet<>();
    final Set<TableRef> writes = new LinkedHashSet<>();
    final Set<String> functions = new LinkedHashSet<>();
    final Set<String> operations = new LinkedHashSet<>();
    int dataModifications;

    /** A SELECT anywhere in it has a locking clause (FOR UPDATE, FOR SHARE, …). */
    boolean locksRows;

    private final Deque<Set<String>> ctes = new ArrayDeque<>();

    /** Where set_config calls with a constant name go instead of {@link #functions}; or null. */
    private final List<String> settingCalls;

    /** The one pg_settings row a {@code SELECT … FROM pg_settings WHERE name = '…'} reads. */
    private final String pinnedSetting;

    Walk(List<String> settingCalls, String pinnedSetting) {
      this.settingCalls = settingCalls;
      this.pinnedSetting = pinnedSetting;
    }

    void visit(String type, JsonNode node, boolean executes) {
      Set<String> scope = cteNames(node);
      if (!scope.isEmpty()) {
        ctes.push(scope);
      }
      try {
        writtenRelations(type, node, executes);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          if (isWrittenField(type, node, field.getKey())) {
            continue;
          }
          if (isTypedRangeVar(field.getKey(), field.getValue())) {
            read(field.getValue());
          } else {
            child(field.getValue(), executes);
          }
        }
      } finally {
        if (!scope.isEmpty()) {
          ctes.pop();
        }
      }
    }

    private void child(JsonNode value, boolean executes) {
      if (value.isArray()) {
        for (JsonNode item : value) {
          child(item, executes);
        }
      } else if (value.isObject()) {
        if (value.size() == 1) {
          String key = value.fieldNames().next();
          JsonNode inner = value.get(key);
          if (Character.isUpperCase(key.charAt(0)) && inner.isObject()) {
            node(key, inner, executes);
            return;
          }
        }
        visit("", value, executes);
      }
    }

    private void node(String type, JsonNode node, boolean executes) {
      switch (type) {
        case "RangeVar" -> read(node);
        case "FuncCall" -> {
          List<String> name = new ArrayList<>();
          for (JsonNode part : node.path("funcname")) {
            name.add(part.path("String").path("sval").asText());
          }
          String setting =
              settingCalls == null ? null : constantSetting(name, node.path("args"), pinnedSetting);
          if (setting != null) {
            settingCalls.add(setting);
          } else {
            functions.add(String.join(".", name));
          }
          visit(type, node, executes);
        }
        default -> visit(type, node, executes);
      }
    }

    /**
     * For {@code set_config(name, value, is_local)} whose name is a constant and whose value is a
     * constant or a bind parameter (so it carries no column's value into a setting): the setting's
     * name, lower-cased as SET would; null for any other call.
     */
    private static String constantSetting(List<String> name, JsonNode args, String pinned) {
      boolean setConfig =
          (name.size() == 1 && name.getFirst().equals("set_config"))
              || (name.size() == 2
                  && name.get(0).equals("pg_catalog")
                  && name.get(1).equals("set_config"));
      if (!setConfig || args.size() != 3) {
        return null;
      }
      JsonNode setting = uncast(args.get(0));
      JsonNode value = uncast(args.get(1));
      JsonNode local = uncast(args.get(2));
      boolean constantValue = value.has("A_Const") || value.has("ParamRef");
      boolean constantLocal = local.has("A_Const") || local.has("ParamRef");
      if (!constantValue || !constantLocal) {
        return null;
      }
      if (pinned != null && isColumn(setting, "name")) {
        return pinned; // set_config(name, …) FROM pg_settings WHERE name = '…' (pg_dump does it)
      }
      if (!setting.path("A_Const").has("sval")) {
        return null;
      }
      return setting.path("A_Const").path("sval").path("sval").asText("").toLowerCase(Locale.ROOT);
    }

    private static JsonNode uncast(JsonNode node) {
      JsonNode n = node;
      while (n.has("TypeCast")) {
        n = n.path("TypeCast").path("arg");
      }
      return n;
    }

    /** The relations a node type writes, recorded as writes (when the statement executes). */
    private void writtenRelations(String type, JsonNode node, boolean executes) {
      Set<TableRef> target = executes ? writes : reads;
      if (executes) {
        switch (type) {
          case "InsertStmt" -> operations.add("INSERT");
          case "UpdateStmt" -> operations.add("UPDATE");
          case "DeleteStmt" -> operations.add("DELETE");
          case "MergeStmt" -> operations.add("MERGE");
          default -> {}
        }
        if (DATA_MODIFYING.contains(type)) {
          dataModifications++;
        }
      }
      if (WRITES_RELATION.contains(type) && node.has("relation")) {
        target.add(ref(node.path("relation")));
      }
      switch (type) {
        case "SelectStmt" -> {
          if (node.has("intoClause")) {
            target.add(ref(node.path("intoClause").path("rel")));
          }
          if (node.has("lockingClause")) {
            locksRows = true;
          }
        }
        case "CreateTableAsStmt" -> target.add(ref(node.path("into").path("rel")));
        case "ViewStmt" -> target.add(ref(node.path("view")));
        case "CopyStmt" -> {
          if (node.has("relation")) {
            (node.path("is_from").asBoolean(false) ? target : reads)
                .add(ref(node.path("relation")));
          }
          // Where the data goes or comes from: a program or a server file, or the client.
          if (node.path("is_program").asBoolean(false)) {
            operations.add("COPY PROGRAM");
          } else if (node.has("filename")) {
            operations.add("COPY FILE");
          } else {
            operations.add(
                node.path("is_from").asBoolean(false) ? "COPY FROM STDIN" : "COPY TO STDOUT");
          }
        }
        case "TruncateStmt" ->
            node.path("relations").forEach(r -> target.add(ref(r.path("RangeVar"))));
        case "DropStmt" -> {
          for (JsonNode object : node.path("objects")) {
            List<String> names = new ArrayList<>();
            object
                .path("List")
                .path("items")
                .forEach(i -> names.add(i.path("String").path("sval").asText()));
            if (!names.isEmpty()) {
              target.add(
                  names.size() == 1
                      ? new TableRef(null, names.getFirst())
                      : new TableRef(names.get(names.size() - 2), names.getLast()));
            }
          }
        }
        default -> {}
      }
    }

    private static boolean isWrittenField(String type, JsonNode node, String field) {
      return (WRITES_RELATION.contains(type) && field.equals("relation"))
          || (type.equals("CopyStmt") && field.equals("relation"))
          || (type.equals("ViewStmt") && field.equals("view"))
          || (type.equals("CreateTableAsStmt") && field.equals("into"))
          || (type.equals("SelectStmt") && field.equals("intoClause"))
          || (type.equals("TruncateStmt") && field.equals("relations"));
    }

    /** A RangeVar in a typed field is written without its "RangeVar" wrapper. */
    private static boolean isTypedRangeVar(String field, JsonNode value) {
      return value.isObject()
          && value.has("relname")
          && (field.equals("relation") || field.equals("rel") || field.equals("view"));
    }

    private void read(JsonNode rangeVar) {
      TableRef ref = ref(rangeVar);
      if (ref.schema() == null && ctes.stream().anyMatch(scope -> scope.contains(ref.name()))) {
        return; // a CTE in scope, not a table
      }
      reads.add(ref);
    }

    private static TableRef ref(JsonNode rangeVar) {
      String schema = rangeVar.path("schemaname").asText(null);
      return new TableRef(schema, rangeVar.path("relname").asText());
    }

    private static Set<String> cteNames(JsonNode node) {
      Set<String> names = new HashSet<>();
      for (JsonNode cte : node.path("withClause").path("ctes")) {
        names.add(cte.path("CommonTableExpr").path("ctename").asText());
      }
      return names;
    }
  }
}
