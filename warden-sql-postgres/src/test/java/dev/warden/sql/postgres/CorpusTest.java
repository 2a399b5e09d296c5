package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.Identity;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adversarial corpus (statements crafted to slip past the policy) and the benign corpus
 * (ordinary agent work, psql's and pgJDBC's catalog queries) decided for the demo's agent by the
 * sample policy: each must get exactly the expected decision and rule.
 */
class CorpusTest {
  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());
  static final DeclarativePolicyEngine ENGINE =
      new DeclarativePolicyEngine(new PolicyParser().sample());
  static final Identity AGENT =
      new Identity("agent", "https://idp", Set.of("code-assistant"), Map.of());

  static Stream<Corpus.Case> adversarial() {
    return Corpus.load("agent-adversarial.sql").cases().stream();
  }

  static Stream<Corpus.Case> benign() {
    return Corpus.load("agent-benign.sql").cases().stream();
  }

  /** As the gateway sees it: resolved through the demo's search path (public). */
  static Decision decide(String sql) {
    Statement statement = ANALYZER.analyze(sql).qualified("public");
    return ENGINE.decide(AGENT, Set.of("agent"), "shop", statement);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adversarial")
  void adversarialStatementsGetTheExpectedDecision(Corpus.Case c) {
    Decision d = decide(c.sql());
    assertThat(d.getClass().getSimpleName() + " " + d.rule())
        .as("%s%n  -> %s", c, d)
        .isEqualTo(c.decision() + " " + c.rule());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("benign")
  void benignStatementsAreAllowed(Corpus.Case c) {
    assertThat(decide(c.sql())).as(c.toString()).isInstanceOf(Decision.Allow.class);
  }

  @Test
  void theCorporaAreAsLargeAsPromised() {
    assertThat(adversarial().count()).isGreaterThanOrEqualTo(200);
    assertThat(benign().count()).isGreaterThanOrEqualTo(100);
    assertThat(adversarial().map(Corpus.Case::decision).distinct())
        .containsExactlyInAnyOrder("Allow", "Deny", "Hold");
  }
}
