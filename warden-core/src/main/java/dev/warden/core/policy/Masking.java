package dev.warden.core.policy;

import dev.warden.core.mask.Classifiers;
import dev.warden.core.mask.DataClass;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.policy.Policy.MaskRule;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a session's roles see masked on a connection: the mask rules of every grant that applies
 * (the first rule that matches a column decides its strategy) and the union of their classifiers.
 * Globs are compiled once.
 */
public final class Masking {
  public static final Masking NONE = new Masking(List.of(), Set.of());

  /** A column's mask, the rule it comes from, and whether filtering on it is allowed. */
  public record ColumnMask(String rule, MaskStrategy strategy, boolean allowFilter) {}

  private record Compiled(
      ColumnMask mask, Globs.Matcher schema, Globs.Matcher table, Globs.Matcher column) {}

  private final List<Compiled> rules = new ArrayList<>();
  private final Classifiers classifiers;

  public Masking(List<MaskRule> rules, Set<DataClass> classifiers) {
    for (MaskRule rule : rules) {
      for (String glob : rule.columns()) {
        String[] parts = glob.split("\\.", -1);
        int n = parts.length;
        this.rules.add(
            new Compiled(
                new ColumnMask(rule.id(), rule.strategy(), rule.allowFilter()),
                Globs.name(n == 3 ? parts[0] : "*"),
                Globs.name(n >= 2 ? parts[n - 2] : "*"),
                Globs.name(parts[n - 1])));
      }
    }
    this.classifiers =
        new Classifiers(
            classifiers.isEmpty() ? EnumSet.noneOf(DataClass.class) : EnumSet.copyOf(classifiers));
  }

  /** Whether anything is masked at all (if not, results pass untouched). */
  public boolean active() {
    return !rules.isEmpty() || classifiers.enabled();
  }

  /**
   * The mask of a base column, or null when it is not masked. A null schema or column stands for
   * any (a table whose schema is not known; any column of the table): the first rule that could
   * match.
   */
  public ColumnMask column(String schema, String table, String column) {
    for (Compiled rule : rules) {
      if ((schema == null || rule.schema.matches(schema))
          && rule.table.matches(table)
          && (column == null || rule.column.matches(column))) {
        return rule.mask;
      }
    }
    return null;
  }

  public Classifiers classifiers() {
    return classifiers;
  }
}
