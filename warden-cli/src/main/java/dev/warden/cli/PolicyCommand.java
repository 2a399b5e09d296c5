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

/** {@code warden policy}: check a policy file, explain a decision, try a draft on history. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Check policies and explain decisions.",
    subcommands = {
      PolicyCommand.Check.class,
      PolicyCommand.Explain.class,
      PolicyCommand.WhatIf.class
    })
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

  /**
   * {@code warden policy what-if [--since 7d] DRAFT}: the draft tried by the gateway on the
   * statements its audit trail recorded — what would be decided differently, or masked differently,
   * grouped by kind, rule and identity — before it is published.
   */
  @Command(
      name = "what-if",
      mixinStandardHelpOptions = true,
      description = "Try a draft policy on recorded statements: what would change.")
  public static final class WhatIf implements Callable<Integer> {
    @picocli.CommandLine.Mixin AdminClient.Options api = new AdminClient.Options();

    @picocli.CommandLine.Parameters(paramLabel = "DRAFT", description = "The draft policy (JSON).")
    Path draft;

    @Option(
        names = "--since",
        defaultValue = "7d",
        description = "Statements recorded since: an instant or an age (${DEFAULT-VALUE}).")
    String since;

    @Option(
        names = "--limit",
        defaultValue = "100000",
        description = "At most this many statements (${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      String text;
      try {
        text = Files.readString(draft);
        new PolicyParser().parse(text);
      } catch (PolicyException e) {
        spec.commandLine().getErr().println(draft + ": " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 2;
      }
      com.fasterxml.jackson.databind.JsonNode report;
      try {
        report =
            new AdminClient(api)
                .postText(
                    "/api/policy/what-if",
                    Map.of("since", since, "limit", String.valueOf(limit)),
                    text);
      } catch (AdminClient.ApiException e) {
        spec.commandLine().getErr().println("warden: " + e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
      }
      if (json) {
        out.println(report.toPrettyString());
        out.flush();
        return 0;
      }
      out.printf(
          "%d statements tried (since %s), %d would change, %d could not be analysed again%n",
          report.path("statements").asInt(),
          since,
          report.path("changed").asInt(),
          report.path("unanalysable").asInt());
      for (String group : List.of("byKind", "byRule", "byIdentity")) {
        if (report.path(group).isEmpty()) {
          continue;
        }
        out.printf("%n%s:%n", group.substring(2).toLowerCase(java.util.Locale.ROOT));
        report
            .path(group)
            .properties()
            .forEach(e -> out.printf("  %-40s %d%n", e.getKey(), e.getValue().asInt()));
      }
      List<List<String>> rows = new java.util.ArrayList<>();
      for (var c : report.path("changes")) {
        List<String> masks = new java.util.ArrayList<>();
        c.path("masksAdded").forEach(m -> masks.add("+" + m.asText()));
        c.path("masksRemoved").forEach(m -> masks.add("-" + m.asText()));
        rows.add(
            List.of(
                c.path("at").asText(),
                c.path("identity").asText(),
                c.path("kind").asText(),
                c.path("ruleBefore").asText() + " → " + c.path("ruleAfter").asText(),
                String.join(" ", masks),
                SessionsCommand.oneLine(c.path("sql").asText(), 70)));
      }
      if (!rows.isEmpty()) {
        out.println();
        Tables.print(
            out, List.of("at", "identity", "change", "rule", "masks", "statement"), rows, false);
      }
      out.flush();
      return 0;
    }
  }
}
