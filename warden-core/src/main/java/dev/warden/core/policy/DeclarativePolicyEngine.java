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
import java.util.List;
import java.util.Set;
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

  /** Settings that would let a read-only session write. */
  private static final Set<String> READ_ONLY_GUARDS =
      Set.of("default_transaction_read_only", "transaction_read_only");

  private static final Set<StatementClass> READ_ONLY_CLASSES =
      Set.of(StatementClass.READ, StatementClass.TRANSACTION, StatementClass.SESSION);

  private final Policy policy;
  private final Globs globs = new Globs();
  private final FunctionCatalog builtin = FunctionCatalog.builtin();

  public DeclarativePolicyEngine(Policy policy) {
    this.policy = policy;
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
          "Warden only forwards statements it can parse with PostgreSQL's grammar");
    }
    if (statement.statementClass() == StatementClass.UNANALYZED) {
      return new Decision.Deny(DEFAULT_DENY, "the statement was not analysed", null);
    }
    List<Grant> grants = grants(roles, connection);
    if (grants.isEmpty()) {
      return new Decision.Deny(
          DEFAULT_DENY,
          "no policy grants roles "
              + roles.stream().sorted().toList()
              + " anything on connection "
              + connection,
          "ask an administrator for a grant");
    }
    if (readOnly(grants)) {
      for (StatementPart part : statement.parts()) {
        if (part.settings().stream().anyMatch(READ_ONLY_GUARDS::contains)
            || part.functions().stream().anyMatch(f -> f.endsWith("set_config"))) {
          return new Decision.Deny(
              READ_ONLY_SESSION,
              "this session is read-only; turning that off is not allowed",
              "run only reads, or ask for a role that may write");
        }
      }
    }
    if (!limits(grants).statementTimeout().isZero()) {
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
    for (String glob : policy.volatileFunctions()) {
      if (globs.matchesName(glob, function) || globs.matchesName(glob, bare)) {
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
    return readOnly(grants(roles, connection));
  }

  @Override
  public Limits limits(Set<String> roles, String connection) {
    return limits(grants(roles, connection));
  }

  /** The strictest of the limits of every grant that applies. */
  private static Limits limits(List<Grant> grants) {
    Limits limits = Limits.NONE;
    for (Grant grant : grants) {
      limits = limits.stricter(grant.limits());
    }
    return limits;
  }

  private List<Grant> grants(Set<String> roles, String connection) {
    return policy.grants().stream()
        .filter(g -> g.roles().contains("*") || g.roles().stream().anyMatch(roles::contains))
        .filter(g -> g.connections().contains("*") || g.connections().contains(connection))
        .toList();
  }

  /** Read-only when every allow rule names classes, and only reading ones. */
  private static boolean readOnly(List<Grant> grants) {
    return !grants.isEmpty()
        && grants.stream()
            .flatMap(g -> g.allow().stream())
            .allMatch(r -> !r.classes().isEmpty() && READ_ONLY_CLASSES.containsAll(r.classes()));
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
          return new Decision.Hold(rule.id(), reason(rule, part, "needs approval"));
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
    if (!rule.classes().isEmpty() && !rule.classes().contains(part.statementClass())) {
      return false;
    }
    if (!rule.verbs().isEmpty()) {
      // Deny and hold rules match any operation the part performs; an allow rule must cover all.
      boolean ok =
          any
              ? part.operations().stream()
                  .anyMatch(op -> rule.verbs().stream().anyMatch(v -> globs.matchesWord(v, op)))
              : part.operations().stream()
                  .allMatch(op -> rule.verbs().stream().anyMatch(v -> globs.matchesWord(v, op)));
      if (!ok) {
        return false;
      }
    }
    List<TableRef> tables = Stream.concat(part.reads().stream(), part.writes().stream()).toList();
    if (!rule.objects().isEmpty()) {
      boolean ok =
          any
              ? tables.stream().anyMatch(t -> covered(rule.objects(), t))
              : tables.stream().allMatch(t -> covered(rule.objects(), t));
      if (!ok) {
        return false;
      }
    }
    if (!rule.functions().isEmpty()) {
      boolean ok =
          any
              ? part.functions().stream()
                  .anyMatch(f -> rule.functions().stream().anyMatch(g -> functionMatches(g, f)))
              : part.functions().stream()
                  .allMatch(f -> rule.functions().stream().anyMatch(g -> functionMatches(g, f)));
      return ok;
    }
    return true;
  }

  /**
   * A function glob without a schema ({@code pg_read_file}) matches the function however it is
   * qualified ({@code pg_catalog.pg_read_file}); one with a schema matches that schema only.
   */
  private boolean functionMatches(String glob, String function) {
    if (globs.matchesName(glob, function)) {
      return true;
    }
    int dot = function.lastIndexOf('.');
    return glob.indexOf('.') < 0
        && dot >= 0
        && globs.matchesName(glob, function.substring(dot + 1));
  }

  /**
   * An object glob is {@code schema.table}. A table whose schema is not known (unqualified, not yet
   * resolved through the search path) is only covered by a glob whose schema part is {@code *}:
   * fail closed.
   */
  private boolean covered(List<String> patterns, TableRef table) {
    for (String glob : patterns) {
      int dot = glob.indexOf('.');
      String schemaGlob = dot < 0 ? "*" : glob.substring(0, dot);
      String tableGlob = dot < 0 ? glob : glob.substring(dot + 1);
      boolean schemaOk =
          table.schema() == null
              ? schemaGlob.equals("*")
              : globs.matchesName(schemaGlob, table.schema());
      if (schemaOk && globs.matchesName(tableGlob, table.name())) {
        return true;
      }
    }
    return false;
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
