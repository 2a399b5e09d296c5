package dev.warden.cli;

import java.io.PrintWriter;
import java.util.List;

/** Aligned text tables, the way psql prints them. */
final class Tables {
  private Tables() {}

  /** Prints a header, a rule and the rows; {@code psql}: psql's style (centred headers, | ). */
  static void print(PrintWriter out, List<String> header, List<List<String>> rows, boolean psql) {
    int n = header.size();
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      width[i] = header.get(i).length();
    }
    for (List<String> row : rows) {
      for (int i = 0; i < n && i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i) == null ? 0 : row.get(i).length());
      }
    }
    String sep = psql ? " | " : "  ";
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        line.append(sep);
      }
      String h = header.get(i);
      if (psql) {
        int left = (width[i] - h.length()) / 2;
        line.append(" ".repeat(left)).append(h).append(" ".repeat(width[i] - h.length() - left));
      } else {
        line.append(pad(h, width[i]));
      }
    }
    out.println((psql ? " " : "") + line.toString().stripTrailing());
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        rule.append(psql ? "-+-" : "  ");
      }
      rule.append("-".repeat(width[i]));
    }
    out.println(psql ? "-" + rule + "-" : rule.toString());
    for (List<String> row : rows) {
      StringBuilder r = new StringBuilder();
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          r.append(sep);
        }
        r.append(pad(i < row.size() && row.get(i) != null ? row.get(i) : "", width[i]));
      }
      out.println((psql ? " " : "") + r.toString().stripTrailing());
    }
  }

  private static String pad(String s, int width) {
    return s + " ".repeat(Math.max(0, width - s.length()));
  }
}
