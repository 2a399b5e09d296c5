package dev.warden.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** KILL is refused by the kernel whatever the grants say: the database user is shared. */
class KillGuardTest {
  private static Statement part(String verb) {
    return new Statement(
        verb + " 42",
        StatementClass.UTILITY,
        List.of(
            new StatementPart(
                verb,
                StatementClass.UTILITY,
                Set.of(),
                Set.of(),
                Set.of(),
                Set.of(verb),
                Set.of(),
                null,
                0,
                ColumnUses.NONE)),
        null);
  }

  @Test
  void aGrantThatAllowsKillDoesNotLetItThrough() throws Exception {
    Policy policy =
        new PolicyParser()
            .parse(
                """
                {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["db"],
                  "allow": [{"id": "kill", "classes": ["UTILITY"], "verbs": ["KILL*", "LOCK TABLES"]}]}]}
                """);
    DeclarativePolicyEngine engine = new DeclarativePolicyEngine(policy);
    Identity agent = new Identity("agent", "test", Set.of(), Map.of());
    for (String verb : List.of("KILL", "KILL QUERY")) {
      Decision d = engine.decide(agent, Set.of("agent"), "db", part(verb));
      assertThat(d).isInstanceOf(Decision.Deny.class);
      assertThat(((Decision.Deny) d).rule()).isEqualTo(DeclarativePolicyEngine.KILL_SESSION_RULE);
    }
    // The same grant still allows what it names otherwise.
    assertThat(engine.decide(agent, Set.of("agent"), "db", part("LOCK TABLES")))
        .isInstanceOf(Decision.Allow.class);
  }
}
