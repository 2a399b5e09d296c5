package dev.warden.core.policy;

import dev.warden.core.mask.DataClass;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.sql.StatementClass;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A declarative policy: grants per role and connection. What no grant allows is denied.
 *
 * @param grants each applies to the listed roles on the listed connections ({@code *} = any)
 * @param volatileFunctions volatile functions known not to write (globs, bare or {@code
 *     schema.name}); any other volatile function, or one the database does not know, is denied as a
 *     possible write
 */
public record Policy(List<Grant> grants, List<String> volatileFunctions) {
  /**
   * Volatile functions that only read, allowed when a policy does not list its own: they change
   * nothing in the database (random numbers, clocks, a sleep bounded by the statement timeout,
   * sizes, replication positions).
   */
  public static final List<String> DEFAULT_VOLATILE_FUNCTIONS =
      List.of(
          "random",
          "clock_timestamp",
          "timeofday",
          "gen_random_uuid",
          "uuid_generate_v4",
          "pg_sleep",
          "pg_relation_size",
          "pg_total_relation_size",
          "pg_table_size",
          "pg_indexes_size",
          "pg_database_size",
          "pg_tablespace_size",
          "pg_is_in_recovery",
          "pg_current_wal_lsn",
          "pg_last_wal_receive_lsn",
          "pg_last_wal_replay_lsn",
          "pg_last_xact_replay_timestamp",
          "pg_partition_ancestors",
          "pg_partition_tree");

  public Policy {
    grants = List.copyOf(grants);
    volatileFunctions = List.copyOf(volatileFunctions);
  }

  public Policy(List<Grant> grants) {
    this(grants, DEFAULT_VOLATILE_FUNCTIONS);
  }

  /**
   * What some roles may do on some connections, and which values they only see masked.
   *
   * @param masks columns whose values these roles get masked
   * @param classifiers kinds of value masked wherever they appear in text these roles read
   */
  public record Grant(
      String id,
      Set<String> roles,
      Set<String> connections,
      List<Rule> allow,
      List<Rule> hold,
      List<Rule> deny,
      Limits limits,
      List<MaskRule> masks,
      Set<DataClass> classifiers) {
    public Grant {
      roles = Set.copyOf(roles);
      connections = Set.copyOf(connections);
      allow = List.copyOf(allow);
      hold = List.copyOf(hold);
      deny = List.copyOf(deny);
      masks = List.copyOf(masks);
      classifiers = Set.copyOf(classifiers);
    }

    public Grant(
        String id,
        Set<String> roles,
        Set<String> connections,
        List<Rule> allow,
        List<Rule> hold,
        List<Rule> deny,
        Limits limits) {
      this(id, roles, connections, allow, hold, deny, limits, List.of(), Set.of());
    }
  }

  /**
   * Masks the columns matching {@code columns}: globs of {@code column}, {@code table.column} or
   * {@code schema.table.column} ({@code *.card_number} is every table's card_number). With {@code
   * allowFilter}, the columns may be used in WHERE, JOIN, GROUP BY, ORDER BY and the like
   * (otherwise that is an oracle and denied).
   */
  public record MaskRule(
      String id, List<String> columns, MaskStrategy strategy, boolean allowFilter) {
    public MaskRule {
      columns = List.copyOf(columns);
    }

    public MaskRule(String id, List<String> columns, MaskStrategy strategy) {
      this(id, columns, strategy, false);
    }
  }

  /**
   * Matches statement parts. Every condition given must hold: the class is one of {@code classes},
   * the verb one of {@code verbs} (a trailing {@code *} matches a prefix, e.g. {@code "DROP *"}),
   * every table matches one of {@code objects} ({@code schema.table} globs), a function called
   * matches one of {@code functions}. An empty condition matches anything.
   *
   * @param reason what the client is told when this rule denies or holds
   * @param approvers who may approve a held statement (a hold rule)
   * @param timeout how long a held statement waits (a hold rule)
   * @param ask a hold rule's mode: {@code ask} (the client is refused at once with the request id;
   *     once approved, the same statement from the same identity runs once) instead of {@code wait}
   *     (the statement waits in its session)
   */
  public record Rule(
      String id,
      Set<StatementClass> classes,
      Set<String> verbs,
      List<String> objects,
      List<String> functions,
      String reason,
      Set<String> approvers,
      Duration timeout,
      boolean ask,
      int quorum) {
    public Rule {
      quorum = Math.max(quorum, 1);
      classes = Set.copyOf(classes);
      verbs = Set.copyOf(verbs);
      objects = List.copyOf(objects);
      functions = List.copyOf(functions);
      approvers = Set.copyOf(approvers);
    }
  }
}
