package dev.warden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code warden policy check} and {@code explain}, run in-process. */
class PolicyCommandTest {
  record Result(int exit, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new WardenCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** {@code warden policy explain} for role agent on connection shop, with the sample policy. */
  static Result explainForAgent(String sql) {
    return run("policy", "explain", "--role", "agent", "--connection", "shop", "--sql", sql);
  }

  @Test
  void checkAcceptsAValidPolicyAndNamesTheJsonPathOfAnError(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("good.json");
    Files.writeString(
        good,
        "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"], \"connections\": [\"*\"], \"allow\": [{\"id\": \"r\", \"classes\": [\"READ\"]}]}]}");
    Result ok = run("policy", "check", good.toString());
    assertThat(ok.exit()).isZero();
    assertThat(ok.out()).contains("valid (1 grants, 1 rules)");

    Path bad = dir.resolve("bad.json");
    Files.writeString(
        bad,
        "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"], \"connections\": [\"*\"], \"allow\": [{\"id\": \"r\", \"classes\": [\"REED\"]}]}]}");
    Result failed = run("policy", "check", bad.toString());
    assertThat(failed.exit()).isEqualTo(2);
    assertThat(failed.err()).contains("$.grants[0].allow[0].classes[0]: unknown class 'REED'");
  }

  @Test
  void explainShowsTheAnalysisTheDecisionAndTheRule() {
    Result held =
        explainForAgent("WITH g AS (DELETE FROM public.orders RETURNING *) SELECT * FROM g");
    assertThat(held.exit()).isZero();
    assertThat(held.out())
        .contains("part 1: WRITE SELECT")
        .contains("DELETE")
        .contains("writes [public.orders]")
        .contains("decision: HOLD by rule agent.hold-delete");

    Result denied = explainForAgent("SELECT 1; SELECT * FROM internal.api_keys");
    assertThat(denied.out())
        .contains("part 2: READ SELECT")
        .contains("decision: DENY by rule deny.internal: schema internal is off limits");

    Result allowed = explainForAgent("SELECT id FROM public.customers");
    assertThat(allowed.out()).contains("decision: ALLOW by rule agent.read-write");

    Result broken = explainForAgent("SELEC 1");
    assertThat(broken.out())
        .contains("statement class: INVALID")
        .contains("not analysable")
        .contains("decision: DENY by rule default-deny");
  }
}
