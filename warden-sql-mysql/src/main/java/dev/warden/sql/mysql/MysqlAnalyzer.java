package dev.warden.sql.mysql;

import com.alibaba.druid.DbType;
import com.alibaba.druid.sql.SQLUtils;
import com.alibaba.druid.sql.ast.SQLExpr;
import com.alibaba.druid.sql.ast.SQLName;
import com.alibaba.druid.sql.ast.SQLStatement;
import com.alibaba.druid.sql.ast.expr.SQLCharExpr;
import com.alibaba.druid.sql.ast.expr.SQLIdentifierExpr;
import com.alibaba.druid.sql.ast.expr.SQLMethodInvokeExpr;
import com.alibaba.druid.sql.ast.expr.SQLPropertyExpr;
import com.alibaba.druid.sql.ast.expr.SQLVariantRefExpr;
import com.alibaba.druid.sql.ast.statement.SQLAssignItem;
import com.alibaba.druid.sql.ast.statement.SQLDeleteStatement;
import com.alibaba.druid.sql.ast.statement.SQLExprTableSource;
import com.alibaba.druid.sql.ast.statement.SQLInsertStatement;
import com.alibaba.druid.sql.ast.statement.SQLReplaceStatement;
import com.alibaba.druid.sql.ast.statement.SQLSelectQueryBlock;
import com.alibaba.druid.sql.ast.statement.SQLSelectStatement;
import com.alibaba.druid.sql.ast.statement.SQLSetStatement;
import com.alibaba.druid.sql.ast.statement.SQLShowColumnsStatement;
import com.alibaba.druid.sql.ast.statement.SQLShowCreateTableStatement;
import com.alibaba.druid.sql.ast.statement.SQLShowCreateViewStatement;
import com.alibaba.druid.sql.ast.statement.SQLShowIndexesStatement;
import com.alibaba.druid.sql.ast.statement.SQLTableSource;
import com.alibaba.druid.sql.ast.statement.SQLUpdateSetItem;
import com.alibaba.druid.sql.ast.statement.SQLUpdateStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlInsertStatement;
import com.alibaba.druid.sql.dialect.mysql.ast.statement.MySqlSelectQueryBlock;
import com.alibaba.druid.sql.dialect.mysql.visitor.MySqlASTVisitorAdapter;
import com.alibaba.druid.sql.dialect.mysql.visitor.MySqlSchemaStatVisitor;
import com.alibaba.druid.stat.TableStat;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The MySQL/MariaDB analyzer: the text as the server reads it ({@link ServerText}: versioned
 * comments opened up), parsed by Druid's MySQL grammar — used as a parser only — into one {@link
 * StatementPart} per statement with its verb, class, tables read and written, functions, settings
 * and column lineage. What the grammar does not know ({@code HANDLER}, {@code DO}, …) is {@link
 * StatementClass#INVALID} and never forwarded. Unqualified table names are left unresolved; the
 * door qualifies them with the session's current schema.
 */
public final class MysqlAnalyzer implements SqlAnalyzer {
  /** Character sets in which no multi-byte character hides a quote or a backslash byte. */
  private static final Set<String> SAFE_CHARSETS =
      Set.of("utf8", "utf8mb3", "utf8mb4", "latin1", "ascii", "binary", "default");

  /**
   * sql_mode flags that change how statement text is read: a double-quoted string becomes a name
   * (ANSI_QUOTES, ANSI), a backslash no longer escapes (NO_BACKSLASH_ESCAPES), {@code ||} becomes
   * concatenation (PIPES_AS_CONCAT), a space may follow a function name (IGNORE_SPACE), NOT binds
   * differently (HIGH_NOT_PRECEDENCE), or another dialect's grammar applies (ORACLE, MSSQL, …).
   */
  public static final Set<String> PARSER_MODES =
      Set.of(
          "ANSI",
          "ANSI_QUOTES",
          "NO_BACKSLASH_ESCAPES",
          "PIPES_AS_CONCAT",
          "IGNORE_SPACE",
          "HIGH_NOT_PRECEDENCE",
          "ORACLE",
          "MSSQL",
          "DB2",
          "POSTGRESQL",
          "MAXDB",
          "MYSQL323",
          "MYSQL40",
          "EMPTY_STRING_IS_NULL");

  private final long serverVersion;
  private final boolean mariadb;

  /** For a server of this version string (from its greeting). */
  public MysqlAnalyzer(String serverVersion) {
    this.serverVersion = ServerText.version(serverVersion);
    this.mariadb = serverVersion.toLowerCase(Locale.ROOT).contains("mariadb");
  }

  @Override
  public Statement analyze(String sql) {
    String text;
    try {
      text = ServerText.expand(sql, serverVersion, mariadb, true);
    } catch (ServerText.Unclear e) {
      return Statement.invalid(sql, e.getMessage());
    }
    List<SQLStatement> statements;
    try {
      statements = SQLUtils.parseStatements(text, DbType.mysql);
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return Statement.invalid(sql, "MySQL grammar: " + firstLine(message));
    }
    if (statements.isEmpty()) {
      return Statement.invalid(sql, "empty statement");
    }
    List<StatementPart> parts = new ArrayList<>(statements.size());
    for (SQLStatement statement : statements) {
      try {
        // MariaDB's SET STATEMENT x = v FOR <statement> (nested as deep as a client likes): the
        // settings for one statement, and the statement itself — each decided (the statement is
        // what runs; the settings are guarded as any SET's).
        SQLStatement next = statement;
        while (next instanceof SQLSetStatement set && set.getMaridbSetForStatement() != null) {
          SQLStatement inner = set.getMaridbSetForStatement();
          set.setMaridbSetForStatement(null);
          parts.add(part(set));
          next = inner;
        }
        parts.add(part(next));
      } catch (RuntimeException | StackOverflowError e) {
        return Statement.invalid(sql, "Warden could not analyse this statement: " + e);
      }
    }
    StatementClass overall =
        parts.stream()
            .map(StatementPart::statementClass)
            .max(MysqlAnalyzer::significance)
            .orElse(StatementClass.INVALID);
    return new Statement(sql, overall, parts, null);
  }

  private static int significance(StatementClass a, StatementClass b) {
    return Integer.compare(rank(a), rank(b));
  }

  private static int rank(StatementClass c) {
    return switch (c) {
      case DCL -> 7;
      case DDL -> 6;
      case WRITE -> 5;
      case COPY -> 4;
      case UTILITY -> 3;
      case READ -> 2;
      case SESSION, TRANSACTION -> 1;
      default -> 0;
    };
  }

  private StatementPart part(SQLStatement statement) {
    String kind = statement.getClass().getSimpleName();
    MysqlLineage lineage = new MysqlLineage();
    List<ColumnUses.Output> outputs = List.of();
    Set<String> settings = new LinkedHashSet<>();
    String verb;
    StatementClass cls;
    boolean locks = false;
    switch (statement) {
      case SQLSelectStatement select -> {
        outputs = lineage.select(select.getSelect(), null, new ArrayList<>());
        SQLSelectQueryBlock block = select.getSelect().getQueryBlock();
        boolean outfile = false;
        if (block != null && block.getInto() != null) {
          outfile = !(block.getInto().getExpr() instanceof SQLVariantRefExpr);
        }
        if (block instanceof MySqlSelectQueryBlock m) {
          locks = m.isForUpdate() || m.isLockInShareMode() || m.isForShare();
        }
        verb = outfile ? "SELECT INTO OUTFILE" : "SELECT";
        cls = outfile ? StatementClass.UTILITY : StatementClass.READ;
      }
      case SQLInsertStatement insert -> {
        verb = "INSERT";
        cls = StatementClass.WRITE;
        TableRef table = table(insert.getTableSource());
        MysqlLineage.Scope scope = new MysqlLineage.Scope(null, Map.of());
        if (insert.getQuery() != null) {
          lineage
              .select(insert.getQuery(), null, new ArrayList<>())
              .forEach(o -> lineage.derived.addAll(o.sources()));
        }
        List<SQLExpr> columns = insert.getColumns();
        for (SQLInsertStatement.ValuesClause values : insert.getValuesList()) {
          List<SQLExpr> v = values.getValues();
          for (int i = 0; i < v.size(); i++) {
            String column = i < columns.size() ? columnName(columns.get(i)) : "*";
            lineage.writes.add(lineage.write(table, column, v.get(i), scope));
          }
        }
        if (insert instanceof MySqlInsertStatement m) {
          for (SQLExpr e : m.getDuplicateKeyUpdate()) {
            lineage.derived.addAll(lineage.origins(e, scope, null, null));
          }
        }
      }
      case SQLReplaceStatement replace -> {
        verb = "REPLACE";
        cls = StatementClass.WRITE;
        TableRef table = table(replace.getTableSource());
        MysqlLineage.Scope scope = new MysqlLineage.Scope(null, Map.of());
        if (replace.getQuery() != null) {
          lineage
              .select(replace.getQuery().getSubQuery(), null, new ArrayList<>())
              .forEach(o -> lineage.derived.addAll(o.sources()));
        }
        List<SQLExpr> columns = replace.getColumns();
        for (SQLInsertStatement.ValuesClause values : replace.getValuesList()) {
          List<SQLExpr> v = values.getValues();
          for (int i = 0; i < v.size(); i++) {
            String column = i < columns.size() ? columnName(columns.get(i)) : "*";
            lineage.writes.add(lineage.write(table, column, v.get(i), scope));
          }
        }
      }
      case SQLUpdateStatement update -> {
        verb = "UPDATE";
        cls = StatementClass.WRITE;
        SQLTableSource source = update.getTableSource();
        TableRef table = source instanceof SQLExprTableSource t ? table(t) : null;
        lineage.query(selectOver(source, update.getWhere()), null, new ArrayList<>());
        for (SQLUpdateSetItem item : update.getItems()) {
          lineage.writes.add(
              lineage.write(
                  table, columnName(item.getColumn()), item.getValue(), scopeOf(source, lineage)));
        }
      }
      case SQLDeleteStatement delete -> {
        verb = "DELETE";
        cls = StatementClass.WRITE;
        SQLTableSource source =
            delete.getFrom() != null ? delete.getFrom() : delete.getTableSource();
        lineage.query(selectOver(source, delete.getWhere()), null, new ArrayList<>());
      }
      case SQLSetStatement set -> {
        verb = "SET";
        cls = StatementClass.SESSION;
        for (SQLAssignItem item : set.getItems()) {
          String target = item.getTarget().toString().toLowerCase(Locale.ROOT);
          // Only the target says GLOBAL (a value may read @@global.x and still set the session's).
          if (target.startsWith("@@global.")
              || target.startsWith("global ")
              || (item.getTarget() instanceof SQLVariantRefExpr v && v.isGlobal())
              || set.getOption() == SQLSetStatement.Option.GLOBAL) {
            verb = "SET GLOBAL";
            cls = StatementClass.UTILITY;
          }
          String name =
              target
                  .replaceFirst("^@@(session\\.|local\\.|global\\.)?", "")
                  .replaceFirst("^(session|local|global)\\s+", "");
          if (name.startsWith("@")) {
            // A user variable: a value copied into it leaves masking's sight.
            lineage.derived.addAll(
                lineage.origins(
                    item.getValue(), new MysqlLineage.Scope(null, Map.of()), null, null));
            continue;
          }
          settings.add(setting(name, item.getValue()));
        }
      }
      default -> {
        String[] vc = classify(kind, statement);
        verb = vc[0];
        cls = StatementClass.valueOf(vc[1]);
        if (kind.equals("SQLUseStatement")) {
          settings.add("search_path");
        }
      }
    }
    Set<TableRef> reads = new LinkedHashSet<>();
    Set<TableRef> writes = new LinkedHashSet<>();
    Set<String> functions = new LinkedHashSet<>();
    tables(statement, reads, writes, functions);
    TableRef shown = shown(statement);
    if (shown != null) {
      reads.add(shown);
    }
    if (cls == StatementClass.DDL) {
      writes.addAll(ddlTargets(statement));
    }
    if (verb.equals("CALL")) {
      functions.add(
          statement
              .toString()
              .replaceFirst("(?is)^\\s*call\\s+", "")
              .replaceFirst("\\(.*", "")
              .trim()
              .toLowerCase(Locale.ROOT));
    }
    reads.removeAll(writes);
    Set<String> operations = new LinkedHashSet<>();
    operations.add(verb);
    int modifications = cls == StatementClass.WRITE && !verb.equals("TRUNCATE") ? 1 : 0;
    return new StatementPart(
        verb,
        cls,
        reads,
        writes,
        functions,
        operations,
        settings,
        null,
        modifications,
        lineage.uses(outputs),
        null,
        locks);
  }

  /** A SELECT * over a write's tables and condition, to trace what shapes it. */
  private static SQLSelectQueryBlock selectOver(SQLTableSource source, SQLExpr where) {
    MySqlSelectQueryBlock block = new MySqlSelectQueryBlock();
    if (source != null) {
      block.setFrom(source.clone());
    }
    if (where != null) {
      block.setWhere(where.clone());
    }
    return block;
  }

  private static MysqlLineage.Scope scopeOf(SQLTableSource source, MysqlLineage lineage) {
    MysqlLineage.Scope scope = new MysqlLineage.Scope(null, Map.of());
    if (source instanceof SQLExprTableSource t) {
      TableRef table = table(t);
      scope.relations.put(
          t.getAlias() != null
              ? MysqlLineage.name(t.getAlias())
              : table == null ? "?" : table.name(),
          new MysqlLineage.Relation(table, List.of(), List.of(MysqlLineage.unknown())));
    }
    return scope;
  }

  /**
   * A setting's name as policy sees it; a change that would make the server read text differently
   * from this parser is reported under the name the policy's parser-settings guard refuses.
   */
  private static String setting(String name, SQLExpr value) {
    switch (name) {
      case "sql_mode" -> {
        // A literal, or the current mode extended with literals (CONCAT(@@sql_mode, ',X'), as
        // drivers do at connect): the literals decide. Warden keeps every session's own mode free
        // of parser modes, so the current one is neutral.
        List<String> literals = new ArrayList<>();
        if (!modeExpression(value, literals)) {
          return "sql_mode";
        }
        for (String literal : literals) {
          for (String mode : literal.toUpperCase(Locale.ROOT).split("\\s*,\\s*")) {
            if (PARSER_MODES.contains(mode.trim())) {
              return "sql_mode";
            }
          }
        }
        return "sql_mode (parser-neutral)";
      }
      case "names",
          "character set",
          "charset",
          "character_set_client",
          "character_set_connection" -> {
        String charset = value == null ? "" : MysqlLineage.name(value.toString());
        return SAFE_CHARSETS.contains(charset)
            ? name + " (parser-neutral)"
            : "character_set_client";
      }
      default -> {
        return name;
      }
    }
  }

  /** Whether a sql_mode value is literals and the current mode only (its literals collected). */
  private static boolean modeExpression(SQLExpr value, List<String> literals) {
    if (value instanceof SQLCharExpr c) {
      literals.add(c.getText());
      return true;
    }
    if (value instanceof SQLVariantRefExpr v) {
      // The session's own mode only: the global one is not what Warden checked.
      String name = v.getName().toLowerCase(Locale.ROOT);
      return !v.isGlobal()
          && !v.toString().toLowerCase(Locale.ROOT).contains("global")
          && (name.equals("@@sql_mode") || name.equals("@@session.sql_mode"));
    }
    if (value instanceof SQLPropertyExpr p) {
      return p.toString().toLowerCase(Locale.ROOT).equals("@@session.sql_mode");
    }
    if (value instanceof SQLMethodInvokeExpr m
        && (m.getMethodName().equalsIgnoreCase("concat")
            || m.getMethodName().equalsIgnoreCase("concat_ws"))) {
      for (SQLExpr argument : m.getArguments()) {
        if (!modeExpression(argument, literals)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static void tables(
      SQLStatement statement, Set<TableRef> reads, Set<TableRef> writes, Set<String> functions) {
    MySqlSchemaStatVisitor visitor = new MySqlSchemaStatVisitor();
    statement.accept(visitor);
    for (Map.Entry<TableStat.Name, TableStat> e : visitor.getTables().entrySet()) {
      TableRef table = tableRef(e.getKey().getName());
      if (table == null) {
        continue;
      }
      TableStat s = e.getValue();
      boolean written =
          s.getInsertCount()
                  + s.getUpdateCount()
                  + s.getDeleteCount()
                  + s.getDropCount()
                  + s.getCreateCount()
                  + s.getAlterCount()
                  + s.getMergeCount()
                  + s.getCreateIndexCount()
                  + s.getDropIndexCount()
              > 0;
      (written ? writes : reads).add(table);
    }
    statement.accept(
        new MySqlASTVisitorAdapter() {
          @Override
          public boolean visit(SQLMethodInvokeExpr x) {
            String name = x.getMethodName().toLowerCase(Locale.ROOT);
            functions.add(
                x.getOwner() == null
                    ? name
                    : x.getOwner().toString().toLowerCase(Locale.ROOT) + "." + name);
            return true;
          }

          @Override
          public boolean visit(com.alibaba.druid.sql.ast.expr.SQLAggregateExpr x) {
            functions.add(x.getMethodName().toLowerCase(Locale.ROOT));
            return true;
          }
        });
  }

  private static Set<TableRef> ddlTargets(SQLStatement statement) {
    Set<TableRef> targets = new LinkedHashSet<>();
    statement.accept(
        new MySqlASTVisitorAdapter() {
          @Override
          public boolean visit(SQLExprTableSource x) {
            TableRef t = table(x);
            if (t != null) {
              targets.add(t);
            }
            return false;
          }
        });
    if (statement instanceof com.alibaba.druid.sql.ast.statement.SQLCreateViewStatement v) {
      TableRef t = tableRef(v.getName().toString());
      if (t != null) {
        targets.add(t);
      }
    }
    return targets;
  }

  /** The verb and class of a statement that is not a SELECT, INSERT, UPDATE, DELETE or SET. */
  private static String[] classify(String kind, SQLStatement statement) {
    String text = statement.toString().trim().toUpperCase(Locale.ROOT);
    String[] words = text.split("\\s+");
    String two = words.length > 1 ? words[0] + " " + words[1] : words[0];
    return switch (kind) {
      case "SQLStartTransactionStatement", "SQLBeginStatement" ->
          new String[] {"BEGIN", "TRANSACTION"};
      case "SQLCommitStatement" -> new String[] {"COMMIT", "TRANSACTION"};
      case "SQLRollbackStatement" -> new String[] {"ROLLBACK", "TRANSACTION"};
      case "SQLSavePointStatement" -> new String[] {"SAVEPOINT", "TRANSACTION"};
      case "SQLReleaseSavePointStatement" -> new String[] {"RELEASE SAVEPOINT", "TRANSACTION"};
      case "SQLUseStatement" -> new String[] {"USE", "SESSION"};
      case "SQLTruncateStatement" -> new String[] {"TRUNCATE", "WRITE"};
      case "SQLCallStatement" -> new String[] {"CALL", "UTILITY"};
      case "MySqlLoadDataInFileStatement" ->
          new String[] {text.contains(" LOCAL ") ? "LOAD DATA LOCAL" : "LOAD DATA", "UTILITY"};
      case "MySqlExplainStatement" ->
          new String[] {words[0].startsWith("DESC") ? "DESCRIBE" : "EXPLAIN", "READ"};
      case "MySqlKillStatement" ->
          new String[] {two.equals("KILL QUERY") ? "KILL QUERY" : "KILL", "UTILITY"};
      case "MySqlPrepareStatement" -> new String[] {"PREPARE", "UTILITY"};
      case "MySqlExecuteStatement" -> new String[] {"EXECUTE", "UTILITY"};
      case "MysqlDeallocatePrepareStatement" -> new String[] {"DEALLOCATE", "UTILITY"};
      case "MySqlLockTableStatement" -> new String[] {"LOCK TABLES", "UTILITY"};
      case "MySqlUnlockTablesStatement" -> new String[] {"UNLOCK TABLES", "UTILITY"};
      case "MySqlRenameTableStatement", "SQLAlterTableStatement" -> new String[] {two, "DDL"};
      default -> {
        if (kind.contains("Grant")
            || kind.contains("Revoke")
            || kind.contains("User")
            || kind.contains("Role")) {
          yield new String[] {two.replace(" ALL", ""), "DCL"};
        }
        if (kind.startsWith("SQLShow") || kind.startsWith("MySqlShow")) {
          // The session's own state (its warnings, variables, status) is a session statement, as
          // SHOW is on PostgreSQL; the schema's (tables, columns, definitions) is a read.
          boolean session =
              text.matches(
                  "SHOW\\s+(WARNINGS|ERRORS|COUNT|(SESSION\\s+|LOCAL\\s+)?(VARIABLES|STATUS))\\b.*");
          yield new String[] {"SHOW", session ? "SESSION" : "READ"};
        }
        if (words[0].equals("CREATE") || words[0].equals("ALTER") || words[0].equals("DROP")) {
          yield new String[] {two, "DDL"};
        }
        yield new String[] {words[0], "UTILITY"};
      }
    };
  }

  static TableRef table(SQLExprTableSource t) {
    if (t == null || t.getExpr() == null) {
      return null;
    }
    return tableRef(t.getExpr().toString());
  }

  private static TableRef table(SQLTableSource source) {
    return source instanceof SQLExprTableSource t ? table(t) : null;
  }

  /**
   * The table a SHOW about one table names (its columns, indexes or definition, and COM_FIELD_LIST
   * decided as SHOW COLUMNS): read, so a policy's objects decide it as they decide reading it.
   */
  private static TableRef shown(SQLStatement statement) {
    return switch (statement) {
      case SQLShowColumnsStatement s -> inSchema(s.getDatabase(), s.getTable());
      case SQLShowIndexesStatement s ->
          inSchema(s.getDatabase(), s.getTable() == null ? null : s.getTable().getExpr());
      case SQLShowCreateTableStatement s -> inSchema(null, s.getName());
      case SQLShowCreateViewStatement s -> inSchema(null, s.getName());
      default -> null;
    };
  }

  private static TableRef inSchema(SQLExpr schema, SQLExpr table) {
    if (table == null) {
      return null;
    }
    return tableRef(schema == null ? table.toString() : schema + "." + table);
  }

  private static TableRef tableRef(String name) {
    if (name == null || name.isEmpty() || name.contains("*") || name.contains("(")) {
      return null;
    }
    int dot = lastDotOutsideQuotes(name);
    if (dot < 0) {
      return new TableRef(null, MysqlLineage.name(name));
    }
    return new TableRef(
        MysqlLineage.name(name.substring(0, dot)), MysqlLineage.name(name.substring(dot + 1)));
  }

  private static int lastDotOutsideQuotes(String name) {
    boolean quoted = false;
    int dot = -1;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '`') {
        quoted = !quoted;
      } else if (c == '.' && !quoted) {
        dot = i;
      }
    }
    return dot;
  }

  private static String columnName(SQLExpr e) {
    if (e instanceof SQLIdentifierExpr id) {
      return MysqlLineage.name(id.getName());
    }
    if (e instanceof SQLPropertyExpr p) {
      return MysqlLineage.name(p.getName());
    }
    if (e instanceof SQLName n) {
      return MysqlLineage.name(n.getSimpleName());
    }
    return "*";
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
