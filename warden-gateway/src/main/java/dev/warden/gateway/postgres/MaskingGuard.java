package dev.warden.gateway.postgres;

import dev.warden.core.policy.Decision;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import dev.warden.gateway.ColumnCatalog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What masking forbids before a statement runs, for a session that sees masked columns: a masked
 * column that shapes the result (an oracle: {@code WHERE ssn LIKE '9%'}), a value computed from a
 * masked column (Warden cannot yet trace a computed output back to its columns, so it refuses
 * rather than guess), a mask written back over the real value, and COPY of a table with masked
 * columns. Column names are matched on the tables the statement reads and writes, without resolving
 * which table a name belongs to: a name masked in any of them counts (fail closed).
 */
final class MaskingGuard {
  public static final String ORACLE = "masked-oracle";
  public static final String DERIVED = "masked-derived";
  public static final String WRITE_BACK = "masked-write-back";
  public static final String COPY = "masked-copy";

  private static final Pattern TOKEN = Pattern.compile("tok_[0-9a-f]{16}");

  private MaskingGuard() {}

  /**
   * What masking says of a statement: the denial (null when it may run) and, for a statement of one
   * part, the outputs to mask as a whole (see {@link #outputMasks}).
   */
  record Verdict(Decision.Deny deny, Map<Integer, Masking.ColumnMask> outputs) {}

  /**
   * Checks a statement. {@code parameters} are the text values of the bind parameters by number
   * (empty for a simple Query).
   */
  static Verdict check(
      Statement statement,
      Masking masking,
      ColumnCatalog catalog,
      Map<Integer, String> parameters) {
    Map<Integer, Masking.ColumnMask> outputs = Map.of();
    for (StatementPart part : statement.parts()) {
      Map<String, Masking.ColumnMask> masked = maskedColumns(part, masking, catalog);
      if (masked.isEmpty()) {
        continue;
      }
      Decision.Deny deny = deny(statement, part, masked, parameters);
      if (deny != null) {
        return new Verdict(deny, Map.of());
      }
      if (statement.parts().size() == 1) {
        outputs = outputs(part, masked);
      }
    }
    return new Verdict(null, outputs);
  }

  private static Decision.Deny deny(
      Statement statement,
      StatementPart part,
      Map<String, Masking.ColumnMask> masked,
      Map<Integer, String> parameters) {
    if (part.operations().contains("COPY TO STDOUT")) {
      var first = masked.entrySet().iterator().next();
      return new Decision.Deny(
          COPY,
          "COPY TO STDOUT would send column "
              + first.getKey()
              + ", which rule "
              + first.getValue().rule()
              + " masks",
          "select the rows instead: SELECT masks the column");
    }
    ColumnUses uses = part.columns();
    for (String name : uses.shaping()) {
      Masking.ColumnMask mask = name.equals("*") ? anyFiltering(masked) : masked.get(name);
      if (mask != null && !mask.allowFilter()) {
        return new Decision.Deny(
            ORACLE,
            "column "
                + (name.equals("*") ? "of a whole row" : name)
                + " is masked (rule "
                + mask.rule()
                + "); using it in WHERE, JOIN, GROUP BY, ORDER BY, DISTINCT, a window or a set"
                + " operation would reveal it",
            "filter, group and sort on other columns");
      }
    }
    for (String name : uses.derived()) {
      Masking.ColumnMask mask =
          name.equals("*") ? masked.values().iterator().next() : masked.get(name);
      if (mask != null) {
        return new Decision.Deny(
            DERIVED,
            "a value computed from masked "
                + (name.equals("*") ? "columns of a whole row" : "column " + name)
                + " (rule "
                + mask.rule()
                + ") cannot be masked yet, nor copied elsewhere",
            "select the column itself (it comes back masked), or compute from other columns");
      }
    }
    if (statement.parts().size() > 1) {
      // Outputs are masked as a whole only for a statement of one part (its results are the
      // only results); in a string of several, a computed output is refused like any other.
      for (var output : uses.outputs()) {
        Masking.ColumnMask mask = maskOf(output, masked);
        if (mask != null) {
          return new Decision.Deny(
              DERIVED,
              "a value computed from a masked column (rule "
                  + mask.rule()
                  + ") in a string of several statements cannot be masked",
              "send the statement on its own");
        }
      }
    }
    for (ColumnUses.ColumnWrite write : uses.writes()) {
      boolean target = write.column().equals("*") || masked.containsKey(write.column());
      String value = write.literal() != null ? write.literal() : parameters.get(write.parameter());
      if (target && value != null && looksMasked(value)) {
        return new Decision.Deny(
            WRITE_BACK,
            "the value written into "
                + (write.column().equals("*") ? "a masked column" : write.column())
                + " looks like a mask; storing it would destroy the real value",
            "write the real value, or leave the column as it is");
      }
    }
    return null;
  }

  /**
   * For a statement of one part: the output columns computed from masked columns, by position, with
   * the mask whose rule they fall under. Warden cannot mask a computed value column by column, so
   * such an output is masked as a whole.
   */
  static Map<Integer, Masking.ColumnMask> outputMasks(
      Statement statement, Masking masking, ColumnCatalog catalog) {
    if (statement == null || statement.parts().size() != 1) {
      return Map.of();
    }
    StatementPart part = statement.parts().getFirst();
    return part.columns().outputs().isEmpty()
        ? Map.of()
        : outputs(part, maskedColumns(part, masking, catalog));
  }

  private static Map<Integer, Masking.ColumnMask> outputs(
      StatementPart part, Map<String, Masking.ColumnMask> masked) {
    Map<Integer, Masking.ColumnMask> outputs = new java.util.HashMap<>();
    int i = 0;
    for (var output : part.columns().outputs()) {
      Masking.ColumnMask mask = maskOf(output, masked);
      if (mask != null) {
        outputs.put(i, mask);
      }
      i++;
    }
    return outputs;
  }

  private static Masking.ColumnMask maskOf(
      java.util.Set<String> columns, Map<String, Masking.ColumnMask> masked) {
    for (String name : columns) {
      Masking.ColumnMask mask =
          name.equals("*") && !masked.isEmpty()
              ? masked.values().iterator().next()
              : masked.get(name);
      if (mask != null) {
        return mask;
      }
    }
    return null;
  }

  /** Whether a value is what a mask strategy produces. */
  static boolean looksMasked(String value) {
    return value.equals(dev.warden.core.mask.MaskStrategy.Redact.TOKEN)
        || value.contains("***")
        || TOKEN.matcher(value).matches();
  }

  private static Masking.ColumnMask anyFiltering(Map<String, Masking.ColumnMask> masked) {
    for (Masking.ColumnMask mask : masked.values()) {
      if (!mask.allowFilter()) {
        return mask;
      }
    }
    return null;
  }

  /** The masked columns, by name, of every table the part reads or writes. */
  private static Map<String, Masking.ColumnMask> maskedColumns(
      StatementPart part, Masking masking, ColumnCatalog catalog) {
    Map<String, Masking.ColumnMask> masked = new LinkedHashMap<>();
    for (var tables : java.util.List.of(part.reads(), part.writes())) {
      for (TableRef table : tables) {
        for (ColumnCatalog.Column column : catalog.columnsOf(table.schema(), table.name())) {
          Masking.ColumnMask mask = masking.column(column.schema(), column.table(), column.name());
          if (mask != null) {
            masked.putIfAbsent(column.name(), mask);
          }
        }
      }
    }
    return masked;
  }
}
