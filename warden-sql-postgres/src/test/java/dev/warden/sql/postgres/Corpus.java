package dev.warden.sql.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A corpus file: statements with the decision and rule expected for the demo's agent. */
record Corpus(String file, List<Case> cases) {

  /** One statement: where it is (line), what is expected (rule null: any rule). */
  record Case(String file, int line, String sql, String decision, String rule) {
    @Override
    public String toString() {
      return file + ":" + line + " " + sql.replace('\n', ' ');
    }
  }

  static Corpus load(String name) {
    String text;
    try (InputStream in = Corpus.class.getResourceAsStream("/corpus/" + name)) {
      if (in == null) {
        throw new IllegalStateException("corpus " + name + " is missing");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Case> cases = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    String decision = null;
    String rule = null;
    int start = 0;
    StringBuilder sql = null;
    for (int i = 0; i <= lines.length; i++) {
      String line = i < lines.length ? lines[i] : "==> END";
      if (line.startsWith("==> ")) {
        if (sql != null) {
          cases.add(new Case(name, start, strip(sql), decision, rule));
        }
        String[] header = line.substring(4).trim().split("\\s+");
        decision = header[0];
        rule = header.length > 1 ? header[1] : null;
        start = i + 2;
        sql = new StringBuilder();
      } else if (sql != null && !(sql.isEmpty() && line.startsWith("#"))) {
        sql.append(line).append('\n');
      }
    }
    return new Corpus(name, cases);
  }

  /** The statement without the trailing blank lines and the comments before the next case. */
  private static String strip(StringBuilder sql) {
    List<String> lines = new ArrayList<>(List.of(sql.toString().split("\n", -1)));
    while (!lines.isEmpty() && (lines.getLast().isBlank() || lines.getLast().startsWith("# "))) {
      lines.removeLast();
    }
    return String.join("\n", lines);
  }
}
