package dev.warden.it.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a client saw of one workload, result by result: each result's column names and rows as text
 * (null cells stay null), or the SQLSTATE of the error that ended it. Workloads in other languages
 * print the same shape as JSON.
 */
record Transcript(List<Result> results) {

  /** One statement's outcome as the client saw it. */
  record Result(String label, List<String> columns, List<List<String>> rows, String error) {
    static Result error(String label, String sqlState) {
      return new Result(label, List.of(), List.of(), sqlState);
    }

    static Result of(String label, List<String> columns, List<List<String>> rows) {
      return new Result(label, columns, rows, null);
    }

    /** A single value (an update count, a flag) under a column name of the workload's choosing. */
    static Result value(String label, String column, Object value) {
      List<String> row = new ArrayList<>(1);
      row.add(value == null ? null : value.toString());
      return new Result(label, List.of(column), List.of(row), null);
    }
  }

  /** A result set read whole, every cell with {@link ResultSet#getString}. */
  static Result read(String label, ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    List<String> columns = new ArrayList<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      columns.add(meta.getColumnLabel(i));
    }
    List<List<String>> rows = new ArrayList<>();
    while (rs.next()) {
      List<String> row = new ArrayList<>(columns.size());
      for (int i = 1; i <= columns.size(); i++) {
        row.add(rs.getString(i));
      }
      rows.add(row);
    }
    return Result.of(label, columns, rows);
  }

  /** A transcript printed as JSON by a workload in another language. */
  static Transcript parse(String json) throws java.io.IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    List<Result> results = new ArrayList<>();
    for (JsonNode r : root) {
      List<String> columns = new ArrayList<>();
      r.path("columns").forEach(c -> columns.add(c.asText()));
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode row : r.path("rows")) {
        List<String> cells = new ArrayList<>();
        row.forEach(c -> cells.add(c.isNull() ? null : c.asText()));
        rows.add(cells);
      }
      results.add(
          new Result(
              r.path("label").asText(),
              columns,
              rows,
              r.path("error").isNull() || r.path("error").isMissingNode()
                  ? null
                  : r.path("error").asText()));
    }
    return new Transcript(results);
  }
}
