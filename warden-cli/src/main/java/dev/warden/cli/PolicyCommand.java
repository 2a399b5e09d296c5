package dev.warden.cli;

import dev.warden.core.identity.Identity;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Policy;
import dev.warden.core.policy.PolicyException;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementPart;
import dev.warden.sql.postgres.PgQuery;
import dev.warden.sql.postgres.PostgresAnalyzer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden policy}: check a policy file, explain a decision. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check policies and explain decisions.",
    subcommands = {PolicyCommand.Check.class, PolicyCommand.Explain.class})
public final class PolicyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Reads a policy file, or the built-in sample when none is given. */
  static Policy load(Path file) throws IOException {
    PolicyParser parser = new PolicyParser();
    return file == null ? parser.sample() : parser.parse(Files.readString(file));
  }

  /** {@code warden policy check FILE}: validates a policy; the error names the JSON path. */
  @Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a policy file.")
  public static final class Check implements Callable<Integer> {
    @picocli.CommandLine.Parameters(paramLabel = "FILE", description = "The policy (JSON).")
    Path file;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try {
        Policy policy = load(file);
        int rules =
            policy.grants().stream()
                .mapToInt(g -> g.allow().size() + g.hold().size() + g.deny().size())
                .sum();
        spec.commandLine()
            .getOut()
            .printf("%s: valid (%d grants, %d rules)%n", file, policy.grants().size(), rules);
        spec.commandLine().getOut().flush();
        return 0;
      } catch (PolicyException e) {
        spec.commandLine().getErr().println(file + ": " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 2;
      }
    }
  }

  /** {@code warden policy explain}: the analysis of a statement and the decision, with its rule. */
  @Command(
      name = "explain",
      mixinStandardHelpOptions = true,
      description = "Show how a statement is analysed and decided.")
  public static final class Explain implements Callable<Integer> {
    @Option(
        names = "--policy",
        paramLabel = "FILE",
        description = "The policy (JSON); the built-in sample when omitted.")
    Path policyFile;

    @Option(names = "--role", required = true, split = ",", description = "Role(s) of the caller.")
    List<String> roles;

    @Option(names = "--connection", required = true, description = "Connection name.")
    String connection;

    @Option(names = "--sql", required = true, description = "The statement(s).")
    String sql;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      Policy policy;
      try {
        policy = load(policyFile);
      } catch (PolicyException e) {
        spec.commandLine()
            .getErr()
            .println((policyFile == null ? "sample policy" : policyFile) + ": " + e.getMessage());
        return 2;
      }
      Statement statement = new PostgresAnalyzer(PgQuery.load()).analyze(sql);
      out.printf("statement class: %s%n", statement.statementClass());
      if (statement.error() != null) {
        out.printf("not analysable: %s%n", statement.error());
      }
      int i = 1;
      for (StatementPart part : statement.parts()) {
        out.printf(
            "part %d: %s %s; operations %s; reads %s; writes %s; functions %s%n",
            i++,
            part.statementClass(),
            part.verb(),
            part.operations(),
            part.reads(),
            part.writes(),
            part.functions());
      }
      Decision decision =
          new DeclarativePolicyEngine(policy)
              .decide(
                  new Identity("explain", "warden:cli", Set.of(), Map.of()),
                  Set.copyOf(roles),
                  connection,
                  statement);
      switch (decision) {
        case Decision.Allow a ->
            out.printf("decision: ALLOW by rule %s (limits: %s)%n", a.rule(), a.limits());
        case Decision.Hold h -> out.printf("decision: HOLD by rule %s: %s%n", h.rule(), h.reason());
        case Decision.Deny d ->
            out.printf(
                "decision: DENY by rule %s: %s%s%n",
                d.rule(), d.reason(), d.hint() == null ? "" : " (hint: " + d.hint() + ")");
      }
      out.flush();
      return 0;
    }
  }
}
