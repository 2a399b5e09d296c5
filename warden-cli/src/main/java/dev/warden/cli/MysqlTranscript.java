package dev.warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded statement's outcome as the {@code mysql} client showed it: boxed tables with "N rows
 * in set", "Query OK, N rows affected", and errors as {@code ERROR code (state): message}.
 */
final class MysqlTranscript {
  private MysqlTranscript() {}

  static void outcome(PrintWriter out, JsonNode statement, JsonNode ev) {
    for (JsonNode m : ev.path("messages")) {
      // Recorded as "SQLSTATE: message".
      String text = m.asText();
      int colon = text.indexOf(": ");
      out.println(colon == 5 ? "ERROR (" + text.substring(0, 5) + "): " + text.substring(7) : text);
    }
    List<JsonNode> results = new ArrayList<>();
    if (ev.has("results")) {
      ev.path("results").forEach(results::add);
    } else if (ev.has("columns")) {
      results.add(ev);
    }
    for (JsonNode result : results) {
      List<String> columns = new ArrayList<>();
      result.path("columns").forEach(c -> columns.add(c.asText()));
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode r : result.path("result")) {
        List<String> row = new ArrayList<>();
        r.forEach(c -> row.add(c.isNull() ? "NULL" : c.asText()));
        rows.add(row);
      }
      box(out, columns, rows);
      long total = results.size() == 1 ? ev.path("rows").asLong() : rows.size();
      if (total > rows.size()) {
        out.printf("%d rows in set (the first %d recorded)%n", total, rows.size());
      } else {
        out.printf("%d row%s in set%n", total, total == 1 ? "" : "s");
      }
    }
    if (results.isEmpty() && !ev.has("error") && ev.path("messages").isEmpty()) {
      long rows = ev.path("rows").asLong();
      out.printf("Query OK, %d row%s affected%n", rows, rows == 1 ? "" : "s");
    }
    out.println();
  }

  /** A table as the mysql client draws it. */
  static void box(PrintWriter out, List<String> columns, List<List<String>> rows) {
    int[] width = new int[columns.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = columns.get(i).length();
      for (List<String> row : rows) {
        if (i < row.size()) {
          width[i] = Math.max(width[i], row.get(i).length());
        }
      }
    }
    StringBuilder line = new StringBuilder("+");
    for (int w : width) {
      line.append("-".repeat(w + 2)).append('+');
    }
    out.println(line);
    out.println(row(columns, width));
    out.println(line);
    for (List<String> r : rows) {
      out.println(row(r, width));
    }
    out.println(line);
  }

  private static String row(List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < width.length; i++) {
      String cell = i < cells.size() ? cells.get(i) : "";
      b.append(' ').append(cell).append(" ".repeat(width[i] - cell.length())).append(" |");
    }
    return b.toString();
  }
}
