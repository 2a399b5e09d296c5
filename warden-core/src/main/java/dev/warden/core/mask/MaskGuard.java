package dev.warden.core.mask;

import dev.warden.core.policy.Decision;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.ColumnOrigin;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What masking decides before a statement runs, for a session that sees masked columns, from the
 * lineage the analyzer traced ({@link ColumnUses}) and the connection's column catalog: a masked
 * column that shapes the result is an oracle ({@code WHERE ssn LIKE '9%'}); a masked value copied
 * into a table, a mask written back over the real value, a cursor or a COPY over masked columns are
 * refused; and every result column traced to masked columns gets its mask ({@link OutputMasks}).
 *
 * <p>An origin counts when the catalog confirms its table has that column; a table the catalog does
 * not know (created since it was read) is matched by the mask rules' names alone, and an unresolved
 * reference counts as every masked column of the statement's tables (fail closed).
 */
public final class MaskGuard {
  public static final String ORACLE = "masked-oracle";
  public static final String DERIVED = "masked-derived";
  public static final String WRITE_BACK = "masked-write-back";
  public static final String COPY = "masked-copy";

  private static final Pattern TOKEN = Pattern.compile("tok_[0-9a-f]{16}");
  private static final MaskStrategy WHOLE = new MaskStrategy.Redact();

  /**
   * Verbs that carry a statement's lineage without sending its rows: PREPARE and DECLARE (the rows
   * go out at EXECUTE and FETCH), MOVE and CLOSE (resolved to their cursor's query).
   */
  private static final Set<String> NO_ROWS = Set.of("PREPARE", "DECLARE", "MOVE", "CLOSE");

  /** An EXECUTE, FETCH or MOVE that names nothing Warden saw defined. */
  private static boolean unresolved(StatementPart part) {
    return part.statementClass() == StatementClass.UTILITY
        && switch (part.verb()) {
          case "EXECUTE", "FETCH", "MOVE" -> true;
          default -> false;
        };
  }

  /** Verbs whose results carry no lineage Warden can see (their rows come from elsewhere). */
  private static final Set<String> OPAQUE_ROWS =
      Set.of("SHOW", "EXPLAIN", "FETCH", "CALL", "EXECUTE");

  private MaskGuard() {}

  /** What masking says of a statement: the denial (null when it may run) and the output masks. */
  public record Verdict(Decision.Deny deny, OutputMasks outputs) {}

  /**
   * Checks a statement. {@code parameters} are the text values of the bind parameters by number
   * (empty for a simple Query).
   */
  public static Verdict check(
      Statement statement,
      Masking masking,
      ColumnCatalog catalog,
      Map<Integer, String> parameters) {
    OutputMasks outputs = OutputMasks.NONE;
    StatementPart rows = rowsPart(statement);
    for (StatementPart part : statement.parts()) {
      if (unresolved(part)) {
        // Not resolved to a statement this session prepared, or a cursor it declared.
        return new Verdict(
            new Decision.Deny(
                DERIVED,
                part.verb()
                    + " of a "
                    + (part.verb().equals("EXECUTE") ? "prepared statement" : "cursor")
                    + " Warden has not seen defined: its result columns cannot be traced to masked"
                    + " columns",
                "define it in this session first (PREPARE or DECLARE), then use it"),
            OutputMasks.NONE);
      }
      Resolver resolver = new Resolver(part, masking, catalog);
      Decision.Deny deny = deny(part, resolver, parameters);
      if (deny != null) {
        return new Verdict(deny, OutputMasks.NONE);
      }
      if (NO_ROWS.contains(part.verb())) {
        continue; // its outputs are masked where they are sent (EXECUTE, FETCH)
      }
      OutputMasks masks = resolver.outputs(part.columns().outputs());
      if (masks.fallback() == null) {
        continue;
      }
      if (part != rows) {
        return new Verdict(
            new Decision.Deny(
                DERIVED,
                "a result that includes masked values (rule "
                    + masks.fallback().rule()
                    + ") in a string of several statements that return rows cannot be masked",
                "send the statement on its own"),
            OutputMasks.NONE);
      }
      outputs = masks;
    }
    return new Verdict(null, outputs);
  }

  /**
   * The one part of a string whose rows the client gets, or null when several may return rows
   * (their results cannot then be told apart).
   */
  private static StatementPart rowsPart(Statement statement) {
    StatementPart rows = null;
    for (StatementPart part : statement.parts()) {
      boolean returnsRows =
          !NO_ROWS.contains(part.verb()) // their outputs are the EXECUTE's or the FETCH's
              && (!part.columns().outputs().isEmpty() || OPAQUE_ROWS.contains(part.verb()));
      if (returnsRows) {
        if (rows != null) {
          return null;
        }
        rows = part;
      }
    }
    return rows;
  }

  private static Decision.Deny deny(
      StatementPart part, Resolver resolver, Map<Integer, String> parameters) {
    ColumnUses uses = part.columns();
    for (ColumnOrigin origin : uses.shaping()) {
      Masking.ColumnMask mask = resolver.mask(origin, true);
      if (mask != null) {
        return new Decision.Deny(
            ORACLE,
            "column "
                + describe(origin)
                + " is masked (rule "
                + mask.rule()
                + "); using it in WHERE, JOIN, GROUP BY, ORDER BY, DISTINCT, a window or a set"
                + " operation would reveal it",
            "filter, group and sort on other columns");
      }
    }
    for (ColumnOrigin origin : uses.sensitive()) {
      Masking.ColumnMask mask = resolver.mask(origin, true);
      if (mask != null) {
        return new Decision.Deny(
            ORACLE,
            "column "
                + describe(origin)
                + " is masked (rule "
                + mask.rule()
                + "); here its value would decide whether the statement fails, how long it runs or"
                + " which branch it takes (a condition of CASE, COALESCE, NULLIF, GREATEST, LEAST,"
                + " AND or OR; a cast that can fail; arithmetic; a function not known to be safe),"
                + " which would reveal it even though its result is masked",
            "select the column as it is (NULL shows as NULL), or compute on other columns; lower,"
                + " upper, substr, length, concat and || may take a masked column (their result"
                + " is masked)");
      }
    }
    for (ColumnOrigin origin : uses.derived()) {
      Masking.ColumnMask mask = resolver.mask(origin, false);
      if (mask != null) {
        return new Decision.Deny(
            DERIVED,
            "the statement copies values of masked column "
                + describe(origin)
                + " (rule "
                + mask.rule()
                + ") into a table or somewhere Warden cannot mask them",
            "copy other columns; select the masked column to see it masked");
      }
    }
    for (ColumnUses.Output output : uses.outputs()) {
      if (output.sources().contains(ColumnOrigin.UNKNOWN)) {
        Masking.ColumnMask mask = resolver.mask(ColumnOrigin.UNKNOWN, false);
        if (mask != null) {
          return new Decision.Deny(
              DERIVED,
              "an output refers to a column Warden could not resolve, in a statement over masked"
                  + " columns (rule "
                  + mask.rule()
                  + ")",
              "qualify the column with its table's name or alias");
        }
      }
    }
    for (ColumnUses.ColumnWrite write : uses.writes()) {
      String value = write.literal() != null ? write.literal() : parameters.get(write.parameter());
      if (value != null
          && looksMasked(value)
          && resolver.mask(ColumnOrigin.of(write.table(), write.column()), false) != null) {
        return new Decision.Deny(
            WRITE_BACK,
            "the value written into "
                + (write.column().equals("*") ? "a masked column" : write.column())
                + " looks like a mask; storing it would destroy the real value",
            "write the real value, or leave the column as it is");
      }
    }
    if (part.operations().contains("COPY TO STDOUT")
        && part.copyFormat() != null
        && !part.copyFormat().understood()) {
      OutputMasks masks = resolver.outputs(uses.outputs());
      if (masks.fallback() != null) {
        return new Decision.Deny(
            COPY,
            "COPY TO STDOUT with these options would send masked column values (rule "
                + masks.fallback().rule()
                + ") in a form Warden cannot mask",
            "use the default options of text, CSV or binary (FORMAT, HEADER, DELIMITER, NULL,"
                + " QUOTE, ESCAPE are fine), or SELECT");
      }
    }
    return null;
  }

  private static String describe(ColumnOrigin origin) {
    return origin.table() == null
        ? "(a reference Warden could not resolve)"
        : origin.wholeRow() ? "of " + origin.table() + " (a whole row)" : origin.toString();
  }

  /**
   * For a statement about to return rows (a portal's, described or bound): the output masks, or
   * none when nothing in it is masked.
   */
  public static OutputMasks outputMasks(
      Statement statement, Masking masking, ColumnCatalog catalog) {
    if (statement == null) {
      return OutputMasks.NONE;
    }
    StatementPart rows = rowsPart(statement);
    return rows == null
        ? OutputMasks.NONE
        : new Resolver(rows, masking, catalog).outputs(rows.columns().outputs());
  }

  /**
   * Bind parameters as the audit trail records them ({@code texts}: as the front door shows them,
   * e.g. binary as {@code \x} hex), with a value bound into a masked column masked by that column's
   * rule (the store's classifiers then mask card numbers and the like in the rest).
   */
  public static List<String> recordedParameters(
      Statement statement, Masking masking, ColumnCatalog catalog, List<String> texts) {
    List<String> out = new ArrayList<>(texts);
    if (masking == null || statement == null) {
      return out;
    }
    for (StatementPart part : statement.parts()) {
      Resolver resolver = new Resolver(part, masking, catalog);
      for (ColumnUses.ColumnWrite write : part.columns().writes()) {
        int n = write.parameter();
        if (n < 1 || n > out.size() || out.get(n - 1) == null) {
          continue;
        }
        Masking.ColumnMask mask =
            resolver.mask(ColumnOrigin.of(write.table(), write.column()), false);
        if (mask != null) {
          out.set(n - 1, mask.strategy().mask(out.get(n - 1)));
        }
      }
    }
    return out;
  }

  /**
   * For a statement with a COPY … FROM STDIN: which fields of its rows go into masked columns (its
   * column list, or every column of the table in order), so the front door can check the rows for
   * masks written back as they stream in; null when none does, or there is no such COPY.
   */
  public static CopyIn copyIn(Statement statement, Masking masking, ColumnCatalog catalog) {
    for (StatementPart part : statement.parts()) {
      if (!part.operations().contains("COPY FROM STDIN") || part.copyFormat() == null) {
        continue;
      }
      Resolver resolver = new Resolver(part, masking, catalog);
      List<ColumnOrigin> fields = new ArrayList<>();
      for (ColumnUses.ColumnWrite write : part.columns().writes()) {
        if (!write.column().equals("*")) {
          fields.add(ColumnOrigin.of(write.table(), write.column()));
          continue;
        }
        List<ColumnCatalog.Column> columns =
            catalog.columnsOf(write.table().schema(), write.table().name());
        if (columns.isEmpty()) {
          // A table the catalog does not know: every field may be a masked column.
          boolean[] all = new boolean[MAX_COLUMNS];
          java.util.Arrays.fill(
              all, resolver.mask(ColumnOrigin.of(write.table(), "*"), false) != null);
          return all[0] ? new CopyIn(part.copyFormat(), all) : null;
        }
        columns.forEach(c -> fields.add(ColumnOrigin.of(write.table(), c.name())));
      }
      boolean[] masked = new boolean[fields.size()];
      boolean any = false;
      for (int i = 0; i < masked.length; i++) {
        masked[i] = resolver.mask(fields.get(i), false) != null;
        any |= masked[i];
      }
      return any ? new CopyIn(part.copyFormat(), masked) : null;
    }
    return null;
  }

  /** The rows a COPY … FROM STDIN reads: their format, and which fields go into masked columns. */
  public record CopyIn(dev.warden.core.sql.CopyFormat format, boolean[] masked) {
    public CopyIn {
      masked = masked.clone();
    }

    @Override
    public boolean[] masked() {
      return masked.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof CopyIn c
          && c.format.equals(format)
          && java.util.Arrays.equals(c.masked, masked);
    }

    @Override
    public int hashCode() {
      return 31 * format.hashCode() + java.util.Arrays.hashCode(masked);
    }

    @Override
    public String toString() {
      return "CopyIn[" + format + ", " + java.util.Arrays.toString(masked) + "]";
    }
  }

  /** PostgreSQL's limit on a table's columns. */
  private static final int MAX_COLUMNS = 1600;

  /** The denial of a COPY whose data writes a mask back (field {@code field}, from 1). */
  public static Decision.Deny copyWriteBack(int field) {
    return new Decision.Deny(
        WRITE_BACK,
        "field "
            + field
            + " of a row sent to COPY goes into a masked column and looks like a mask; storing it"
            + " would destroy the real value (nothing was copied)",
        "send the real values, or leave the masked column out of the COPY's column list");
  }

  /** Whether a value is what a mask strategy produces. */
  public static boolean looksMasked(String value) {
    return value.equals(MaskStrategy.Redact.TOKEN)
        || value.contains("***")
        || TOKEN.matcher(value).matches();
  }

  /**
   * The mask of a result column whose origin the server reported (a base column passed on
   * unchanged, or a view's column, traced to what it reads), or null.
   */
  public static Masking.ColumnMask reported(
      Masking masking, ColumnCatalog catalog, ColumnCatalog.Column column) {
    return new Resolver(null, masking, catalog, 0).columnMask(column, false);
  }

  /** Whether a schema is the system's own (its relations are described by PostgreSQL itself). */
  public static boolean system(String schema) {
    return "pg_catalog".equals(schema) || "information_schema".equals(schema);
  }

  /** How many views deep a column is traced before Warden gives up (and masks it whole). */
  private static final int MAX_VIEW_DEPTH = 16;

  /** Resolves a part's column origins to masks through the catalog. */
  private static final class Resolver {
    private final StatementPart part;
    private final Masking masking;
    private final ColumnCatalog catalog;
    private final int depth;

    Resolver(StatementPart part, Masking masking, ColumnCatalog catalog) {
      this(part, masking, catalog, 0);
    }

    /** {@code part}: where unresolved origins look (null: nowhere); {@code depth}: views deep. */
    Resolver(StatementPart part, Masking masking, ColumnCatalog catalog, int depth) {
      this.part = part;
      this.masking = masking;
      this.catalog = catalog;
      this.depth = depth;
    }

    /**
     * The mask of an origin, or null when it is not masked; with {@code filtering}, only a mask
     * that does not allow filtering.
     */
    Masking.ColumnMask mask(ColumnOrigin origin, boolean filtering) {
      if (origin.table() == null) {
        if (part == null) {
          return null;
        }
        for (List<TableRef> tables :
            List.of(List.copyOf(part.reads()), List.copyOf(part.writes()))) {
          for (TableRef table : tables) {
            Masking.ColumnMask mask = tableMask(table, filtering);
            if (mask != null) {
              return mask;
            }
          }
        }
        return null;
      }
      if (origin.wholeRow()) {
        return tableMask(origin.table(), filtering);
      }
      List<ColumnCatalog.Column> columns =
          catalog.columnsOf(origin.table().schema(), origin.table().name());
      if (columns.isEmpty()) {
        // A table the catalog does not know: the rules' names decide (schema unknown: any).
        return admit(
            masking.column(origin.table().schema(), origin.table().name(), origin.column()),
            filtering);
      }
      for (ColumnCatalog.Column column : columns) {
        if (column.name().equals(origin.column())) {
          Masking.ColumnMask mask = columnMask(column, filtering);
          if (mask != null) {
            return mask;
          }
        }
      }
      return null;
    }

    /**
     * A catalog column's mask: its own rule; for a view's column without one, the mask of what the
     * view reads into it (a renamed masked column is still masked; a value computed from one is
     * masked whole).
     */
    Masking.ColumnMask columnMask(ColumnCatalog.Column column, boolean filtering) {
      Masking.ColumnMask own =
          admit(masking.column(column.schema(), column.table(), column.name()), filtering);
      if (own != null || !catalog.isView(column.schema(), column.table())) {
        return own;
      }
      var view = catalog.view(column.schema(), column.table());
      int position = catalog.columnsOf(column.schema(), column.table()).indexOf(column);
      if (view.isEmpty()
          || depth >= MAX_VIEW_DEPTH
          || position < 0
          || position >= view.get().columns().outputs().size()) {
        // A view Warden cannot trace: with masking on, its columns are masked whole.
        return masking.active()
            ? new Masking.ColumnMask("untraced-view:" + column.table(), WHOLE, false)
            : null;
      }
      Resolver inner = new Resolver(view.get(), masking, catalog, depth + 1);
      ColumnUses.Output output = view.get().columns().outputs().get(position);
      if (output.star() != null) {
        return masking.active()
            ? new Masking.ColumnMask("untraced-view:" + column.table(), WHOLE, false)
            : null;
      }
      if (filtering) {
        for (ColumnOrigin source : output.sources()) {
          Masking.ColumnMask mask = inner.mask(source, true);
          if (mask != null) {
            return mask;
          }
        }
        return null;
      }
      return inner.maskOf(output);
    }

    private Masking.ColumnMask tableMask(TableRef table, boolean filtering) {
      List<ColumnCatalog.Column> columns = catalog.columnsOf(table.schema(), table.name());
      if (columns.isEmpty() && system(table.schema())) {
        // A system relation is never masked whole: only a column a rule names is masked.
        return null;
      }
      if (columns.isEmpty()) {
        return admit(masking.column(table.schema(), table.name(), null), filtering);
      }
      for (ColumnCatalog.Column column : columns) {
        Masking.ColumnMask mask = columnMask(column, filtering);
        if (mask != null) {
          return mask;
        }
      }
      return null;
    }

    private static Masking.ColumnMask admit(Masking.ColumnMask mask, boolean filtering) {
      return mask == null || (filtering && mask.allowFilter()) ? null : mask;
    }

    /** The masks of a list of outputs, stars expanded through the catalog. */
    OutputMasks outputs(List<ColumnUses.Output> outputs) {
      if (outputs.isEmpty()) {
        return OutputMasks.NONE;
      }
      Map<Integer, Masking.ColumnMask> byPosition = new HashMap<>();
      Masking.ColumnMask fallback = null;
      int position = 0;
      boolean known = true;
      for (ColumnUses.Output output : outputs) {
        if (output.star() != null) {
          List<ColumnCatalog.Column> columns =
              catalog.columnsOf(output.star().schema(), output.star().name());
          if (columns.isEmpty() || !oneTable(columns)) {
            known = false;
            Masking.ColumnMask mask = wholeOf(output.sources());
            fallback = fallback == null ? mask : fallback;
            continue;
          }
          for (ColumnCatalog.Column column : columns) {
            Masking.ColumnMask mask = columnMask(column, false);
            if (mask != null) {
              byPosition.put(position, mask);
              fallback = fallback == null ? whole(mask) : fallback;
            }
            position++;
          }
          continue;
        }
        Masking.ColumnMask mask = maskOf(output);
        if (mask != null) {
          byPosition.put(position, mask);
          fallback = fallback == null ? whole(mask) : fallback;
        }
        position++;
      }
      return new OutputMasks(byPosition, known ? position : -1, fallback);
    }

    /**
     * An output's mask: the column's own when the output passes one masked column (or several with
     * the same mask) on unchanged, else the whole value is masked.
     */
    private Masking.ColumnMask maskOf(ColumnUses.Output output) {
      Masking.ColumnMask found = null;
      boolean same = true;
      for (ColumnOrigin origin : output.sources()) {
        Masking.ColumnMask mask = mask(origin, false);
        if (mask != null) {
          same &= found == null || found.equals(mask);
          found = found == null ? mask : found;
          same &= !origin.wholeRow() && origin.table() != null;
        }
      }
      if (found == null) {
        return null;
      }
      return output.direct() && same ? found : whole(found);
    }

    private Masking.ColumnMask wholeOf(Set<ColumnOrigin> sources) {
      for (ColumnOrigin origin : sources) {
        Masking.ColumnMask mask = mask(origin, false);
        if (mask != null) {
          return whole(mask);
        }
      }
      return null;
    }

    private static Masking.ColumnMask whole(Masking.ColumnMask mask) {
      return new Masking.ColumnMask(mask.rule(), WHOLE, mask.allowFilter());
    }

    private static boolean oneTable(List<ColumnCatalog.Column> columns) {
      ColumnCatalog.Column first = columns.getFirst();
      for (ColumnCatalog.Column c : columns) {
        if (!c.schema().equals(first.schema())) {
          return false;
        }
      }
      return true;
    }
  }
}
