package dev.warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code warden sessions}: recorded sessions, their timelines, and replay (admin API). */
@Command(
    name = "sessions",
    mixinStandardHelpOptions = true,
    description = "List, show and replay recorded sessions (needs permission audit:read).",
    subcommands = {
      SessionsCommand.ListSessions.class,
      SessionsCommand.Show.class,
      SessionsCommand.Replay.class
    })
public final class SessionsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static int fail(CommandSpec spec, String message) {
    spec.commandLine().getErr().println("warden: " + message);
    spec.commandLine().getErr().flush();
    return 1;
  }

  /** {@code warden sessions list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Recorded sessions, newest first.")
  public static final class ListSessions implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Option(names = "--identity", description = "Only this identity (subject).")
    String identity;

    @Option(names = "--connection", description = "Only this connection.")
    String connection;

    @Option(names = "--since", description = "Started at or after: an instant or an age (2h, 7d).")
    String since;

    @Option(names = "--until", description = "Started before: an instant or an age.")
    String until;

    @Option(names = "--rule", description = "With a statement decided under this rule.")
    String rule;

    @Option(names = "--decision", description = "With a statement so decided: allow, deny, hold.")
    String decision;

    @Option(
        names = "--limit",
        defaultValue = "50",
        description = "At most this many (${DEFAULT-VALUE}).")
    int limit;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Map<String, String> q = new LinkedHashMap<>();
      q.put("identity", identity);
      q.put("connection", connection);
      q.put("since", since);
      q.put("until", until);
      q.put("rule", rule);
      q.put("decision", decision);
      q.put("limit", String.valueOf(limit));
      JsonNode answer;
      try {
        answer = new AdminClient(api).get("/api/sessions", q);
      } catch (AdminClient.ApiException e) {
        return fail(spec, e.getMessage());
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : answer.path("sessions")) {
        rows.add(
            List.of(
                s.path("id").asText(),
                s.path("identity").asText(),
                s.path("connection").asText(),
                s.path("started").asText(),
                s.has("ended") ? s.path("ended").asText() : "(open)",
                s.path("statements").asText(),
                s.path("denied").asText(),
                s.path("client").asText("")));
      }
      PrintWriter out = spec.commandLine().getOut();
      Tables.print(
          out,
          List.of(
              "session",
              "identity",
              "connection",
              "started",
              "ended",
              "statements",
              "denied",
              "client"),
          rows,
          false);
      out.flush();
      return 0;
    }
  }

  /** {@code warden sessions show ID}: the timeline. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "A session's timeline: statements, decisions, durations.")
  public static final class Show implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Parameters(paramLabel = "ID")
    String id;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      JsonNode t;
      try {
        t = new AdminClient(api).get("/api/sessions/" + id, Map.of());
      } catch (AdminClient.ApiException e) {
        return fail(spec, e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "session %s%n  identity %s on %s from %s (%s)%n  started %s, ended %s%n%n",
          id,
          t.path("identity").asText(),
          t.path("connection").asText(),
          t.path("client").asText(),
          t.path("application").asText(""),
          t.path("started").asText(),
          t.path("ended").asText("(open)"));
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : t.path("statements")) {
        rows.add(
            List.of(
                s.path("at").asText(),
                s.path("decision").asText() + " (" + s.path("rule").asText() + ")",
                s.has("ms") ? String.format("%.1f ms", s.path("ms").asDouble()) : "",
                s.has("rows") ? s.path("rows").asText() : "",
                s.path("error").asText(""),
                oneLine(s.path("sql").asText(), 80)));
      }
      Tables.print(
          out, List.of("at", "decision", "duration", "rows", "error", "statement"), rows, false);
      out.flush();
      return 0;
    }
  }

  static String oneLine(String sql, int max) {
    String s = sql.replaceAll("\\s+", " ").strip();
    return s.length() <= max ? s : s.substring(0, max - 1) + "…";
  }

  /** {@code warden sessions replay ID}: the session as psql showed it. */
  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description =
          "Replay a session as psql would have shown it: each statement, its masked result,"
              + " notices and errors, at the original pace (or --speed times faster).")
  public static final class Replay implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Parameters(paramLabel = "ID")
    String id;

    @Option(
        names = "--speed",
        defaultValue = "1",
        description = "Playback speed: 1 = original pace, 10 = ten times faster, 0 = no pauses.")
    double speed;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
      JsonNode answer;
      try {
        answer = new AdminClient(api).get("/api/sessions/" + id + "/events", Map.of());
      } catch (AdminClient.ApiException e) {
        return fail(spec, e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      Instant previous = null;
      String database = "";
      boolean mysql = false;
      Map<Long, JsonNode> pending = new LinkedHashMap<>();
      for (JsonNode e : answer.path("events")) {
        Instant at = Instant.parse(e.path("at").asText());
        JsonNode ev = e.path("event");
        switch (e.path("kind").asText()) {
          case "session.start" -> {
            database = e.path("connection").asText();
            mysql = ev.path("protocol").asText().equals("mysql");
            out.printf(
                "-- session %s: %s on %s from %s, %s%n",
                id, e.path("identity").asText(), database, ev.path("client").asText(), at);
          }
          case "statement" -> {
            pace(previous, at);
            previous = at;
            String sql = ev.path("sql").asText().strip();
            if (mysql) {
              out.printf("mysql> %s%n", sql.endsWith(";") ? sql : sql + ";");
              if (!ev.path("decision").asText().equals("allow")) {
                out.printf(
                    "ERROR 1142 (42000): warden: %s by rule %s: %s%n%n",
                    ev.path("decision").asText().equals("hold")
                        ? "statement requires approval"
                        : "denied",
                    ev.path("rule").asText(),
                    ev.path("reason").asText());
              } else {
                pending.put(ev.path("statement").asLong(), ev);
              }
              continue;
            }
            out.printf("%s=> %s%n", database, sql.endsWith(";") ? sql : sql + ";");
            if (ev.path("decision").asText().equals("hold")) {
              out.printf(
                  "ERROR:  warden: statement requires approval (rule %s): %s%n%n",
                  ev.path("rule").asText(), ev.path("reason").asText());
            } else if (!ev.path("decision").asText().equals("allow")) {
              out.printf(
                  "ERROR:  warden: denied by rule %s: %s%n%n",
                  ev.path("rule").asText(), ev.path("reason").asText());
            } else {
              pending.put(ev.path("statement").asLong(), ev);
            }
          }
          case "outcome" -> {
            JsonNode statement = pending.remove(ev.path("statement").asLong());
            if (statement != null && mysql) {
              MysqlTranscript.outcome(out, statement, ev);
            } else if (statement != null) {
              outcome(out, statement, ev);
            }
          }
          case "session.end" -> out.printf("-- session ended %s%n", at);
          default -> {}
        }
        out.flush();
      }
      out.flush();
      return 0;
    }

    private void pace(Instant previous, Instant at) throws InterruptedException {
      if (previous == null || speed <= 0) {
        return;
      }
      long millis = (long) (Duration.between(previous, at).toMillis() / speed);
      if (millis > 0) {
        spec.commandLine().getOut().flush();
        Thread.sleep(Math.min(millis, 60_000));
      }
    }

    private static void outcome(PrintWriter out, JsonNode statement, JsonNode ev) {
      for (JsonNode m : ev.path("messages")) {
        String text = m.asText();
        out.println(text.startsWith("ERROR: ") ? "ERROR:  " + text.substring(7) : text);
      }
      if (ev.has("results")) {
        // A Query of several statements: each result as psql showed it, in turn.
        for (JsonNode result : ev.path("results")) {
          if (result.path("columns").isEmpty()) {
            out.println(result.path("tag").asText(""));
            continue;
          }
          List<String> columns = new ArrayList<>();
          result.path("columns").forEach(c -> columns.add(c.asText()));
          List<List<String>> rows = new ArrayList<>();
          for (JsonNode r : result.path("result")) {
            List<String> row = new ArrayList<>();
            r.forEach(c -> row.add(c.isNull() ? "" : c.asText()));
            rows.add(row);
          }
          Tables.print(out, columns, rows, true);
          String tag = result.path("tag").asText("");
          if (tag.startsWith("SELECT ")) {
            long total = Long.parseLong(tag.substring(7).strip());
            out.println(
                total > rows.size()
                    ? "(" + total + " rows; the first " + rows.size() + " recorded)"
                    : "(" + total + " row" + (total == 1 ? "" : "s") + ")");
          } else {
            out.println(tag);
          }
          out.println();
        }
      } else if (ev.has("columns")) {
        List<String> columns = new ArrayList<>();
        ev.path("columns").forEach(c -> columns.add(c.asText()));
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode r : ev.path("result")) {
          List<String> row = new ArrayList<>();
          r.forEach(c -> row.add(c.isNull() ? "" : c.asText()));
          rows.add(row);
        }
        Tables.print(out, columns, rows, true);
        long total = ev.path("rows").asLong();
        if (total > rows.size()) {
          out.printf("(%d rows; the first %d recorded)%n", total, rows.size());
        } else {
          out.printf("(%d row%s)%n", total, total == 1 ? "" : "s");
        }
      } else if (ev.has("result")) {
        for (JsonNode r : ev.path("result")) {
          out.print(r.path(0).asText());
        }
      } else if (!ev.has("error")) {
        // The command tag psql prints: the statement's verb and the rows it affected.
        String verb = statement.path("operations").path(0).asText("OK");
        long rows = ev.path("rows").asLong();
        out.println(
            switch (verb) {
              case "INSERT" -> "INSERT 0 " + rows;
              case "UPDATE", "DELETE", "MERGE", "COPY" -> verb + " " + rows;
              default -> verb;
            });
      }
      out.println();
    }
  }
}
