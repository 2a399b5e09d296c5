package dev.warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code warden grants}: just-in-time grants (admin API, permission grants:manage). */
@Command(
    name = "grants",
    mixinStandardHelpOptions = true,
    description = "Create, list and revoke just-in-time grants.",
    subcommands = {
      GrantsCommand.Create.class,
      GrantsCommand.ListGrants.class,
      GrantsCommand.Revoke.class
    })
public final class GrantsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static void print(PrintWriter out, JsonNode g) {
    out.printf(
        "%s  %s  %s on %s: classes %s verbs %s objects %s, until %s (%s; by %s)%n",
        g.path("id").asText(),
        g.path("state").asText(),
        g.path("identity").isTextual()
            ? "identity " + g.path("identity").asText()
            : "group " + g.path("group").asText(),
        g.path("connection").asText(),
        g.path("classes"),
        g.path("verbs"),
        g.path("objects"),
        g.path("expires").asText(),
        g.path("reason").asText(),
        g.path("createdBy").asText());
  }

  /** {@code warden grants create}. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Grant an extra permission for a bounded time.")
  public static final class Create implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Option(names = "--identity", description = "The identity (subject) it is for.")
    String identity;

    @Option(names = "--group", description = "Or: the group it is for.")
    String group;

    @Option(names = "--connection", required = true, description = "The connection.")
    String connection;

    @Option(names = "--classes", split = ",", description = "Statement classes, e.g. DDL,WRITE.")
    List<String> classes = new ArrayList<>();

    @Option(names = "--verbs", split = ",", description = "Verbs, e.g. ALTER TABLE,CREATE INDEX.")
    List<String> verbs = new ArrayList<>();

    @Option(names = "--objects", split = ",", description = "Objects (globs), e.g. billing.*.")
    List<String> objects = new ArrayList<>();

    @Option(names = "--minutes", required = true, description = "How long (at most a day).")
    long minutes;

    @Option(names = "--reason", required = true, description = "Why: a job id, a ticket.")
    String reason;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Map<String, Object> body = new java.util.LinkedHashMap<>();
      if (identity != null) {
        body.put("identity", identity);
      }
      if (group != null) {
        body.put("group", group);
      }
      body.put("connection", connection);
      body.put("classes", classes);
      body.put("verbs", verbs);
      body.put("objects", objects);
      body.put("minutes", minutes);
      body.put("reason", reason);
      try {
        print(spec.commandLine().getOut(), new AdminClient(api).postJson("/api/grants", body));
        spec.commandLine().getOut().flush();
        return 0;
      } catch (AdminClient.ApiException e) {
        return SessionsCommand.fail(spec, e.getMessage());
      }
    }
  }

  /** {@code warden grants list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Active grants (--all: every one).")
  public static final class ListGrants implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Option(names = "--all", description = "Expired and revoked ones too.")
    boolean all;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try {
        JsonNode answer =
            new AdminClient(api).get("/api/grants", all ? Map.of("state", "all") : Map.of());
        for (JsonNode g : answer.path("grants")) {
          print(spec.commandLine().getOut(), g);
        }
        spec.commandLine().getOut().flush();
        return 0;
      } catch (AdminClient.ApiException e) {
        return SessionsCommand.fail(spec, e.getMessage());
      }
    }
  }

  /** {@code warden grants revoke ID}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "End a grant now.")
  public static final class Revoke implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Parameters(paramLabel = "ID")
    String id;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      try {
        print(
            spec.commandLine().getOut(),
            new AdminClient(api).postJson("/api/grants/" + id + "/revoke", Map.of()));
        spec.commandLine().getOut().flush();
        return 0;
      } catch (AdminClient.ApiException e) {
        return SessionsCommand.fail(spec, e.getMessage());
      }
    }
  }
}
