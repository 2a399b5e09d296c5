package dev.warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code warden approvals}: held statements waiting for a person (admin API). */
@Command(
    name = "approvals",
    mixinStandardHelpOptions = true,
    description = "List, show, approve and deny held statements.",
    subcommands = {
      ApprovalsCommand.ListRequests.class,
      ApprovalsCommand.Show.class,
      ApprovalsCommand.Watch.class,
      ApprovalsCommand.Approve.class,
      ApprovalsCommand.Deny.class
    })
public final class ApprovalsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static void print(PrintWriter out, JsonNode r) {
    out.printf(
        "%s  %s%n  requested by %s on %s (session %s) at %s, expires %s%n  rule %s: %s%n"
            + "  approvers: %s%n  statement: %s%n",
        r.path("id").asText(),
        r.path("state").asText(),
        r.path("requester").asText(),
        r.path("connection").asText(),
        r.path("session").asText(),
        r.path("created").asText(),
        r.path("expires").asText(),
        r.path("rule").asText(),
        r.path("reason").asText(),
        r.path("approvers"),
        r.path("sql").asText());
    if (!r.path("parameters").isEmpty()) {
      out.printf("  parameters: %s%n", r.path("parameters"));
    }
    int needed = r.path("approvalsNeeded").asInt(1);
    if (needed > 1 || r.path("mode").asText("wait").equals("ask")) {
      long given = 0;
      for (JsonNode v : r.path("votes")) {
        given += v.path("decision").asText().equals("approve") ? 1 : 0;
      }
      out.printf("  mode %s; approvals %d of %d%n", r.path("mode").asText("wait"), given, needed);
    }
    JsonNode estimate = r.path("estimate");
    if (estimate.path("rows").isNumber()) {
      out.printf(
          "  the planner expects ~%d rows: %s%n",
          estimate.path("rows").asLong(), estimate.path("plan").asText());
    } else if (estimate.path("unavailable").isTextual()) {
      out.printf("  no row estimate: %s%n", estimate.path("unavailable").asText());
    }
    for (JsonNode v : r.path("votes")) {
      out.printf(
          "  %s by %s at %s%s%n",
          v.path("decision").asText(),
          v.path("approver").asText(),
          v.path("at").asText(),
          v.path("comment").isTextual() ? ": " + v.path("comment").asText() : "");
    }
  }

  /** {@code warden approvals list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Pending requests (--all: every one).")
  public static final class ListRequests implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Option(names = "--all", description = "Decided ones too.")
    boolean all;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      JsonNode answer;
      try {
        answer =
            new AdminClient(api).get("/api/approvals", all ? Map.of("state", "all") : Map.of());
      } catch (AdminClient.ApiException e) {
        return SessionsCommand.fail(spec, e.getMessage());
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode r : answer.path("approvals")) {
        rows.add(
            List.of(
                r.path("id").asText(),
                r.path("state").asText(),
                r.path("requester").asText(),
                r.path("rule").asText(),
                r.path("expires").asText(),
                r.path("estimate").path("rows").isNumber()
                    ? "~" + r.path("estimate").path("rows").asLong()
                    : "",
                SessionsCommand.oneLine(r.path("sql").asText(), 60)));
      }
      PrintWriter out = spec.commandLine().getOut();
      Tables.print(
          out,
          List.of("request", "state", "requester", "rule", "expires", "rows", "statement"),
          rows,
          false);
      out.flush();
      return 0;
    }
  }

  /** {@code warden approvals show ID}. */
  @Command(name = "show", mixinStandardHelpOptions = true, description = "One request, whole.")
  public static final class Show implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Parameters(paramLabel = "ID")
    String id;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try {
        print(
            spec.commandLine().getOut(),
            new AdminClient(api).get("/api/approvals/" + id, Map.of()));
        spec.commandLine().getOut().flush();
        return 0;
      } catch (AdminClient.ApiException e) {
        return SessionsCommand.fail(spec, e.getMessage());
      }
    }
  }

  /** {@code warden approvals watch}: new requests as they come, for an approver's terminal. */
  @Command(
      name = "watch",
      mixinStandardHelpOptions = true,
      description =
          "Print each new pending request as it comes (the caller's to decide), until Ctrl-C.")
  public static final class Watch implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Option(
        names = "--interval",
        defaultValue = "PT2S",
        description = "How often to look, as an ISO-8601 duration (default: ${DEFAULT-VALUE}).")
    java.time.Duration interval;

    @Option(
        names = "--for",
        description = "Stop after this long (ISO-8601 duration); default: until interrupted.")
    java.time.Duration lasting;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter out = spec.commandLine().getOut();
      AdminClient client = new AdminClient(api);
      java.util.Set<String> seen = new java.util.HashSet<>();
      long started = System.nanoTime();
      long limit = lasting == null ? Long.MAX_VALUE : lasting.toNanos();
      while (System.nanoTime() - started < limit) {
        JsonNode answer;
        try {
          answer = client.get("/api/approvals", Map.of());
        } catch (AdminClient.ApiException e) {
          return SessionsCommand.fail(spec, e.getMessage());
        }
        for (JsonNode r : answer.path("approvals")) {
          if (seen.add(r.path("id").asText())) {
            print(out, r);
            out.println("  decide: warden approvals approve|deny " + r.path("id").asText());
            out.println();
          }
        }
        out.flush();
        long left = (limit - (System.nanoTime() - started)) / 1_000_000;
        Thread.sleep(Math.max(1, Math.min(interval.toMillis(), left)));
      }
      return 0;
    }
  }

  abstract static class Decide implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Parameters(paramLabel = "ID")
    String id;

    @Option(
        names = {"-m", "--comment"},
        description = "Why (recorded in the audit trail).")
    String comment;

    @Spec CommandSpec spec;

    abstract String verb();

    @Override
    public Integer call() {
      Map<String, String> body = new HashMap<>();
      if (comment != null) {
        body.put("comment", comment);
      }
      try {
        JsonNode r = new AdminClient(api).post("/api/approvals/" + id + "/" + verb(), body);
        print(spec.commandLine().getOut(), r);
        spec.commandLine().getOut().flush();
        return 0;
      } catch (AdminClient.ApiException e) {
        return SessionsCommand.fail(spec, e.getMessage());
      }
    }
  }

  /** {@code warden approvals approve ID}. */
  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description = "Approve a held statement: it runs in its session.")
  public static final class Approve extends Decide {
    @Override
    String verb() {
      return "approve";
    }
  }

  /** {@code warden approvals deny ID}. */
  @Command(
      name = "deny",
      mixinStandardHelpOptions = true,
      description = "Deny a held statement: it never runs.")
  public static final class Deny extends Decide {
    @Override
    String verb() {
      return "deny";
    }
  }
}
