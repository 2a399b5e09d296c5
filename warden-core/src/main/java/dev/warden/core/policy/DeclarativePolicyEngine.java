package dev.warden.core.policy;

import dev.warden.core.identity.Identity;
import dev.warden.core.policy.Policy.Grant;
import dev.warden.core.policy.Policy.Rule;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Stream;

/**
 * Decides statements against a {@link Policy}. Default deny; every part of a multi-statement string
 * is decided and the most restrictive outcome wins (deny, then hold, then allow), so one denied
 * part rejects the whole string. Each decision names the rule that made it. A pure function of its
 * arguments.
 */
public final class DeclarativePolicyEngine implements PolicyEngine {
  public static final String DEFAULT_DENY = "default-deny";
  public static final String READ_ONLY_SESSION = "read-only-session";
  public static final String STATEMENT_TIMEOUT = "statement-timeout";
  public static final String MAX_ROWS_AFFECTED = "max-rows-affected";
  public static final String VOLATILE_FUNCTION = "volatile-function";
  public static final String OPAQUE_FUNCTION = "opaque-function";

  /**
   * Built-in functions that read what their arguments name: a query as text, a table, a schema or
   * the whole database (query_to_xml, table_to_xml, …). Several are merely STABLE, so volatility
   * alone would let them through; the objects they read are invisible to the analysis.
   */
  private static final Set<String> OPAQUE_READERS =
      Set.of(
          "query_to_xml",
          "query_to_xml_and_xmlschema",
          "query_to_xmlschema",
          "cursor_to_xml",
          "cursor_to_xmlschema",
          "table_to_xml",
          "table_to_xml_and_xmlschema",
          "table_to_xmlschema",
          "schema_to_xml",
          "schema_to_xml_and_xmlschema",
          "schema_to_xmlschema",
          "database_to_xml",
          "database_to_xml_and_xmlschema",
          "database_to_xmlschema",
          "ts_stat");

  public static final String PARSER_SETTINGS_RULE = "parser-settings";

  /**
   * MySQL's KILL names a database thread, and every session behind Warden logs in as the gateway's
   * one database user: a KILL forwarded as text could end another identity's session or statement,
   * so no policy can allow it. The MySQL door instead resolves {@code KILL [QUERY|CONNECTION] n}
   * itself, against the connection ids Warden hands its clients, and the kernel allows it only on
   * the caller's own sessions ({@code SessionAdmission.admitOnSession}).
   */
  public static final String KILL_SESSION_RULE = "kill-session";

  /**
   * Settings that change how the server reads statement text: with standard_conforming_strings off
   * a backslash escapes a quote, and some client encodings hide quote or backslash bytes inside
   * multi-byte characters. Changing either would let a string Warden parsed as a constant run as
   * SQL, so no policy can allow it.
   */
  private static final List<String> PARSER_SETTINGS =
      List.of(
          "standard_conforming_strings",
          "client_encoding",
          "backslash_quote",
          // MySQL: a sql_mode with ANSI_QUOTES, NO_BACKSLASH_ESCAPES and the like, or a client
          // character set that can hide a quote in a multi-byte character (the MySQL analyzer
          // names only such changes so).
          "sql_mode",
          "character_set_client");

  /** Settings that would let a read-only session write. */
  private static final Set<String> READ_ONLY_GUARDS =
      Set.of("default_transaction_read_only", "transaction_read_only", "tx_read_only");

  /**
   * Why a statement part may not run in a session that only reads, or null: it must be a read, a
   * session setting or transaction control, and must not turn the session's read-only off (a
   * read-only grant's sessions, and those a door opens read-only).
   */
  public static Decision.Deny readOnlyViolation(StatementPart part) {
    if (!READ_ONLY_CLASSES.contains(part.statementClass())) {
      return new Decision.Deny(
          READ_ONLY_SESSION,
          "this session only reads, and "
              + part.verb()
              + " is "
              + part.statementClass().name().toLowerCase(java.util.Locale.ROOT)
              + ", not a read",
          "run writes and changes where they are allowed (the MCP execute tool)");
    }
    return turnsOffReadOnly(part) ? READ_ONLY_OFF : null;
  }

  private static final Decision.Deny READ_ONLY_OFF =
      new Decision.Deny(
          READ_ONLY_SESSION,
          "this session is read-only; turning that off is not allowed",
          "run only reads, or ask for a role that may write");

  /** Whether a part changes a setting that makes the session read-only. */
  private static boolean turnsOffReadOnly(StatementPart part) {
    return part.settings().stream().anyMatch(READ_ONLY_GUARDS::contains)
        || part.functions().stream().anyMatch(f -> f.endsWith("set_config"));
  }

  private static final Set<StatementClass> READ_ONLY_CLASSES =
      Set.of(StatementClass.READ, StatementClass.TRANSACTION, StatementClass.SESSION);

  private final Policy policy;
  private final FunctionCatalog builtin = FunctionCatalog.builtin();

  /** Every rule of the policy, compiled; read-only after construction. */
  private final Map<Rule, CompiledRule> compiled = new IdentityHashMap<>();

  private final Globs.Matcher[] safeVolatile;

  public DeclarativePolicyEngine(Policy policy) {
    this.policy = policy;
    for (Grant grant : policy.grants()) {
      Stream.of(grant.allow(), grant.hold(), grant.deny())
          .flatMap(List::stream)
          .forEach(rule -> compiled.put(rule, new CompiledRule(rule)));
    }
    safeVolatile =
        policy.volatileFunctions().stream().map(Globs::name).toArray(Globs.Matcher[]::new);
  }

  /** Decides with PostgreSQL 15's built-in functions as the catalog. */
  @Override
  public Decision decide(
      Identity identity, Set<String> roles, String connection, Statement statement) {
    return decide(identity, roles, connection, statement, builtin);
  }

  @Override
  public Decision decide(
      Identity identity,
      Set<String> roles,
      String connection,
      Statement statement,
      FunctionCatalog functions) {
    if (statement.statementClass() == StatementClass.INVALID) {
      return new Decision.Deny(
          DEFAULT_DENY,
          statement.error(),
          "Warden only forwards statements it can parse with the database's own grammar");
    }
    if (statement.statementClass() == StatementClass.UNANALYZED) {
      return new Decision.Deny(DEFAULT_DENY, "the statement was not analysed", null);
    }
    for (StatementPart part : statement.parts()) {
      if (part.verb().startsWith("KILL")) {
        return new Decision.Deny(
            KILL_SESSION_RULE,
            "KILL is not carried through Warden as text: connection ids here are Warden's, and"
                + " the gateway's database user is shared, so a KILL could reach another session",
            "send KILL QUERY <id> or KILL CONNECTION <id> alone, with the id your client got"
                + " when it connected: Warden stops your own sessions' statements");
      }
    }
    Applicable applicable = applicable(roles, connection);
    List<Grant> grants = applicable.grants();
    if (grants.isEmpty()) {
      return new Decision.Deny(
          DEFAULT_DENY,
          "no policy grants roles "
              + roles.stream().sorted().toList()
              + " anything on connection "
              + connection,
          "ask an administrator for a grant");
    }
    for (StatementPart part : statement.parts()) {
      for (String setting : PARSER_SETTINGS) {
        if (part.settings().contains(setting)) {
          return new Decision.Deny(
              PARSER_SETTINGS_RULE,
              "changing "
                  + setting
                  + " would make the database read statement text differently from Warden's parser",
              setting.equals("sql_mode") || setting.equals("character_set_client")
                  ? "keep the session's "
                      + setting
                      + " free of what changes how text is read (ANSI_QUOTES,"
                      + " NO_BACKSLASH_ESCAPES, multi-byte client character sets such as GBK)"
                  : "keep the session's "
                      + setting
                      + " (Warden runs every session with standard_conforming_strings on)");
        }
      }
    }
    if (applicable.readOnly()) {
      for (StatementPart part : statement.parts()) {
        if (turnsOffReadOnly(part)) {
          return READ_ONLY_OFF;
        }
      }
    }
    if (!applicable.limits().statementTimeout().isZero()) {
      for (StatementPart part : statement.parts()) {
        if (part.settings().contains("statement_timeout")
            || part.settings().contains("ALL")
            || part.functions().stream().anyMatch(f -> f.endsWith("set_config"))) {
          return new Decision.Deny(
              STATEMENT_TIMEOUT,
              "the policy sets this session's statement_timeout; changing it is not allowed",
              "keep statements within the time limit, or ask for a policy with a longer one");
        }
      }
    }
    Decision result = null;
    for (StatementPart part : statement.parts()) {
      Decision decision = decidePart(grants, part);
      if (result instanceof Decision.Allow a && decision instanceof Decision.Allow b) {
        // Several allowed parts: the first rule answers, the strictest limits hold.
        result = new Decision.Allow(a.rule(), a.limits().stricter(b.limits()));
      } else {
        result = result == null ? decision : stricter(result, decision);
      }
      if (result instanceof Decision.Deny) {
        return result;
      }
    }
    if (result != null) {
      Decision possibleWrite = volatileFunctions(statement, functions);
      if (possibleWrite != null) {
        return possibleWrite;
      }
    }
    if (result instanceof Decision.Allow allow && allow.limits().maxRowsAffected() > 0) {
      return writeLimitCheckable(statement, allow);
    }
    return result == null ? new Decision.Allow("empty-statement", Limits.NONE) : result;
  }

  /**
   * A volatile function may write whatever it likes, out of the analysis' sight (a function body is
   * opaque): one that the policy does not list as safe is denied, whatever the grants say. So is a
   * function the database's catalog does not know.
   */
  private Decision volatileFunctions(Statement statement, FunctionCatalog functions) {
    for (StatementPart part : statement.parts()) {
      for (String function : part.functions()) {
        String bare = bare(function);
        if (OPAQUE_READERS.contains(bare)) {
          return new Decision.Deny(
              OPAQUE_FUNCTION,
              "function "
                  + function
                  + " reads the tables, schema or query it is given as an argument, which Warden"
                  + " cannot check against the policy",
              "select from the tables themselves");
        }
        if (!functions.mayWrite(function) || safeVolatile(function)) {
          continue;
        }
        boolean unknown = functions.volatility(function) == FunctionCatalog.Volatility.UNKNOWN;
        return new Decision.Deny(
            VOLATILE_FUNCTION,
            unknown
                ? "function "
                    + function
                    + " is not in the database's catalog, so Warden cannot tell whether it writes"
                : "function "
                    + function
                    + " is volatile (it may write), and the policy does not list it as safe",
            unknown
                ? "check the name; a function created moments ago is known within minutes"
                : "if it only reads, an administrator can add it to volatileFunctions in the policy");
      }
    }
    return null;
  }

  private static String bare(String function) {
    return function.startsWith("pg_catalog.")
        ? function.substring("pg_catalog.".length())
        : function;
  }

  private boolean safeVolatile(String function) {
    String bare = bare(function);
    for (Globs.Matcher glob : safeVolatile) {
      if (glob.matches(function) || glob.matches(bare)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A write under {@code maxRowsAffected} runs only where Warden can count its rows before they
   * commit: the command tag must count exactly the rows written, and no transaction control may
   * share its string (a COMMIT there would commit before the count is seen).
   */
  private static Decision writeLimitCheckable(Statement statement, Decision.Allow allow) {
    boolean writes = false;
    boolean transactionControl = false;
    for (StatementPart part : statement.parts()) {
      if (!part.writes().isEmpty()) {
        writes = true;
        if (!part.writeCountedByTag()) {
          return new Decision.Deny(
              MAX_ROWS_AFFECTED,
              "this "
                  + part.verb()
                  + " writes where Warden cannot count the rows it affects (a write inside a CTE,"
                  + " EXPLAIN ANALYZE or EXECUTE), and the policy limits rows affected to "
                  + allow.limits().maxRowsAffected(),
              "run the INSERT, UPDATE, DELETE or MERGE as a statement of its own");
        }
      }
      transactionControl |= part.statementClass() == StatementClass.TRANSACTION;
    }
    if (writes && transactionControl && statement.parts().size() > 1) {
      return new Decision.Deny(
          MAX_ROWS_AFFECTED,
          "a write and transaction control in one string cannot be checked against the limit of "
              + allow.limits().maxRowsAffected()
              + " rows affected before they commit",
          "send BEGIN, the write and COMMIT as separate statements");
    }
    return allow;
  }

  @Override
  public boolean readOnly(Set<String> roles, String connection) {
    return applicable(roles, connection).readOnly();
  }

  @Override
  public Limits limits(Set<String> roles, String connection) {
    return applicable(roles, connection).limits();
  }

  @Override
  public Masking masking(Set<String> roles, String connection) {
    return applicable(roles, connection).masking();
  }

  /** The strictest of the limits of every grant that applies. */
  private static Limits limits(List<Grant> grants) {
    Limits limits = Limits.NONE;
    for (Grant grant : grants) {
      limits = limits.stricter(grant.limits());
    }
    return limits;
  }

  private record GrantKey(Set<String> roles, String connection) {}

  /** The grants that apply to some roles on a connection, and what follows from them. */
  private record Applicable(List<Grant> grants, boolean readOnly, Limits limits, Masking masking) {}

  /** Per roles and connection, computed once: an engine's policy never changes. */
  private final ConcurrentMap<GrantKey, Applicable> applicable = new ConcurrentHashMap<>();

  private Applicable applicable(Set<String> roles, String connection) {
    GrantKey key = new GrantKey(roles, connection);
    Applicable found = applicable.get(key);
    if (found == null) {
      List<Grant> grants =
          policy.grants().stream()
              .filter(g -> g.roles().contains("*") || g.roles().stream().anyMatch(roles::contains))
              .filter(g -> g.connections().contains("*") || g.connections().contains(connection))
              .toList();
      found =
          new Applicable(
              grants,
              readOnly(grants),
              limits(grants),
              new Masking(
                  grants.stream().flatMap(g -> g.masks().stream()).toList(),
                  grants.stream()
                      .flatMap(g -> g.classifiers().stream())
                      .collect(java.util.stream.Collectors.toSet())));
      if (applicable.size() < 10_000) {
        applicable.put(key, found);
      }
    }
    return found;
  }

  /**
   * Read-only when every allow and hold rule names classes, and only reading ones (a held write
   * that is approved must be able to run). A COPY rule reads when the verbs it names can only ever
   * cover COPY … TO STDOUT (never COPY FROM, a program or a file).
   */
  private boolean readOnly(List<Grant> grants) {
    return !grants.isEmpty()
        && grants.stream()
            .flatMap(g -> java.util.stream.Stream.concat(g.allow().stream(), g.hold().stream()))
            .allMatch(
                r ->
                    !r.classes().isEmpty()
                        && (READ_ONLY_CLASSES.containsAll(r.classes()) || copiesOut(r)));
  }

  /** COPY operations that write or reach outside the database. */
  private static final List<String> COPY_WRITES =
      List.of("COPY FROM STDIN", "COPY PROGRAM", "COPY FILE");

  private boolean copiesOut(Rule rule) {
    if (!rule.classes().equals(Set.of(StatementClass.COPY)) || rule.verbs().isEmpty()) {
      return false;
    }
    CompiledRule compiledRule = compiled.get(rule);
    return COPY_WRITES.stream().noneMatch(compiledRule::verb);
  }

  private Decision decidePart(List<Grant> grants, StatementPart part) {
    for (Grant grant : grants) {
      for (Rule rule : grant.deny()) {
        if (matches(rule, part, true)) {
          return new Decision.Deny(rule.id(), reason(rule, part, "is denied"), null);
        }
      }
    }
    for (Grant grant : grants) {
      for (Rule rule : grant.hold()) {
        if (matches(rule, part, true)) {
          if (part.verb().equals("EXPLAIN")) {
            // Planning runs nothing: the plan of a statement that would be held may be seen.
            return new Decision.Allow(rule.id(), grant.limits());
          }
          return new Decision.Hold(
              rule.id(),
              reason(rule, part, "needs approval"),
              rule.approvers(),
              rule.timeout(),
              grant.limits(),
              rule.ask(),
              rule.quorum());
        }
      }
    }
    for (Grant grant : grants) {
      for (Rule rule : grant.allow()) {
        if (matches(rule, part, false)) {
          return new Decision.Allow(rule.id(), grant.limits());
        }
      }
    }
    return new Decision.Deny(
        DEFAULT_DENY,
        part.verb() + describeObjects(part) + " is not allowed",
        "allowed: "
            + String.join(
                "; ",
                grants.stream()
                    .flatMap(g -> g.allow().stream())
                    .map(DeclarativePolicyEngine::describe)
                    .toList()));
  }

  /**
   * Whether a rule matches a part. A deny or hold rule matches when any object or function it names
   * is touched; an allow rule only when every object touched is covered by it (and it names no
   * function condition, or every function called is covered).
   */
  private boolean matches(Rule rule, StatementPart part, boolean any) {
    return compiled.get(rule).matches(part, any);
  }

  /**
   * A rule with its globs compiled, so a decision compares strings instead of looking globs up.
   * Deny and hold rules match when any operation, object or function they name is involved; an
   * allow rule must cover all of them.
   */
  private static final class CompiledRule {
    private final Set<StatementClass> classes;
    private final Globs.Matcher[] verbs;
    private final Globs.Matcher[] schemas;
    private final Globs.Matcher[] tables;
    private final boolean[] anySchema;
    private final Globs.Matcher[] functions;
    private final boolean[] bareFunction;

    CompiledRule(Rule rule) {
      classes = rule.classes();
      verbs = rule.verbs().stream().map(Globs::word).toArray(Globs.Matcher[]::new);
      int n = rule.objects().size();
      schemas = new Globs.Matcher[n];
      tables = new Globs.Matcher[n];
      anySchema = new boolean[n];
      for (int i = 0; i < n; i++) {
        String glob = rule.objects().get(i);
        int dot = glob.indexOf('.');
        String schema = dot < 0 ? "*" : glob.substring(0, dot);
        schemas[i] = Globs.name(schema);
        tables[i] = Globs.name(dot < 0 ? glob : glob.substring(dot + 1));
        anySchema[i] = schema.equals("*");
      }
      functions = rule.functions().stream().map(Globs::name).toArray(Globs.Matcher[]::new);
      bareFunction = new boolean[functions.length];
      for (int i = 0; i < functions.length; i++) {
        bareFunction[i] = rule.functions().get(i).indexOf('.') < 0;
      }
    }

    boolean matches(StatementPart part, boolean any) {
      if (!classes.isEmpty() && !classes.contains(part.statementClass())) {
        return false;
      }
      if (verbs.length > 0 && !covers(part.operations(), any, this::verb)) {
        return false;
      }
      if (schemas.length > 0
          && !(any ? anyTable(part, this::covered) : allTables(part, this::covered))) {
        return false;
      }
      return functions.length == 0 || covers(part.functions(), any, this::function);
    }

    private boolean verb(String operation) {
      for (Globs.Matcher verb : verbs) {
        if (verb.matches(operation)) {
          return true;
        }
      }
      return false;
    }

    /**
     * A table whose schema is not known (unqualified, not resolved through the search path) is only
     * covered by a glob whose schema part is {@code *}: fail closed.
     */
    private boolean covered(TableRef table) {
      for (int i = 0; i < schemas.length; i++) {
        boolean schemaOk =
            table.schema() == null ? anySchema[i] : schemas[i].matches(table.schema());
        if (schemaOk && tables[i].matches(table.name())) {
          return true;
        }
      }
      return false;
    }

    /**
     * A function glob without a schema ({@code pg_read_file}) matches the function however it is
     * qualified ({@code pg_catalog.pg_read_file}); one with a schema matches that schema only.
     */
    private boolean function(String function) {
      int dot = function.lastIndexOf('.');
      for (int i = 0; i < functions.length; i++) {
        if (functions[i].matches(function)
            || (bareFunction[i] && dot >= 0 && functions[i].matches(function.substring(dot + 1)))) {
          return true;
        }
      }
      return false;
    }
  }

  private static boolean covers(
      Set<String> values, boolean any, java.util.function.Predicate<String> test) {
    for (String value : values) {
      if (test.test(value) == any) {
        return any;
      }
    }
    return !any;
  }

  private static boolean anyTable(StatementPart part, java.util.function.Predicate<TableRef> test) {
    for (TableRef t : part.reads()) {
      if (test.test(t)) {
        return true;
      }
    }
    for (TableRef t : part.writes()) {
      if (test.test(t)) {
        return true;
      }
    }
    return false;
  }

  private static boolean allTables(
      StatementPart part, java.util.function.Predicate<TableRef> test) {
    for (TableRef t : part.reads()) {
      if (!test.test(t)) {
        return false;
      }
    }
    for (TableRef t : part.writes()) {
      if (!test.test(t)) {
        return false;
      }
    }
    return true;
  }

  private static Decision stricter(Decision a, Decision b) {
    return rank(b) > rank(a) ? b : a;
  }

  private static int rank(Decision d) {
    return switch (d) {
      case Decision.Deny x -> 2;
      case Decision.Hold x -> 1;
      case Decision.Allow x -> 0;
    };
  }

  private static String reason(Rule rule, StatementPart part, String what) {
    return rule.reason() != null ? rule.reason() : part.verb() + describeObjects(part) + " " + what;
  }

  private static String describeObjects(StatementPart part) {
    List<String> names = new ArrayList<>();
    part.writes().forEach(t -> names.add(t.toString()));
    part.reads().forEach(t -> names.add(t.toString()));
    return names.isEmpty()
        ? ""
        : " on " + String.join(", ", names.stream().distinct().sorted().toList());
  }

  private static String describe(Rule rule) {
    String verbs =
        rule.verbs().isEmpty()
            ? (rule.classes().isEmpty() ? "anything" : rule.classes().toString())
            : String.join(", ", rule.verbs().stream().sorted().toList());
    return verbs + (rule.objects().isEmpty() ? "" : " on " + String.join(", ", rule.objects()));
  }
}
