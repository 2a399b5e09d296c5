package dev.warden.core.mask;

import dev.warden.core.policy.Masking;
import dev.warden.core.sql.ColumnCatalog;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How each column of one result is masked, decided from a neutral description of the result's
 * columns (where the database says each comes from, through the front door's catalog) and the
 * lineage the analysis traced: a column passing a masked base column on gets that column's rule, a
 * computed one the mask the analysis traced to its position, a column from a user relation the
 * catalog does not know yet is masked whole; every other column is scanned by the classifiers. The
 * front door rewrites the bytes accordingly.
 *
 * @param masks per column, its mask, or null when the rule leaves it alone (it is then classified,
 *     when classifiers are on)
 * @param classifiers the classifiers for unmasked columns, or null when none are on
 * @param uncatalogued whether some column was masked whole because its relation is newer than the
 *     catalog (the front door then has the catalog read again)
 */
public record ResultMasks(
    List<Masking.ColumnMask> masks, Classifiers classifiers, boolean uncatalogued) {

  public ResultMasks {
    masks = Collections.unmodifiableList(new ArrayList<>(masks));
  }

  /**
   * One result column as the database describes it: the base column it passes on unchanged ({@code
   * origin}, from the catalog; null when it is computed or the catalog does not know it), and
   * whether it comes from a user relation the catalog does not know yet.
   */
  public record Column(ColumnCatalog.Column origin, boolean uncatalogued) {
    public static final Column COMPUTED = new Column(null, false);
  }

  /** The mask of a column from a relation the catalog does not know yet. */
  public static final Masking.ColumnMask UNCATALOGUED =
      new Masking.ColumnMask("uncatalogued-relation", new MaskStrategy.Redact(), false);

  /** The masks of a result, or null when nothing in it can need masking. */
  public static ResultMasks of(
      List<Column> columns, Masking masking, ColumnCatalog catalog, OutputMasks traced) {
    if (!masking.active()) {
      return null;
    }
    int n = columns.size();
    List<Masking.ColumnMask> masks = new ArrayList<>(n);
    boolean any = masking.classifiers().enabled() && n > 0;
    boolean uncatalogued = false;
    for (int i = 0; i < n; i++) {
      Column column = columns.get(i);
      Masking.ColumnMask mask;
      if (column.origin() != null) {
        mask = MaskGuard.reported(masking, catalog, column.origin());
      } else {
        mask = traced.at(i, n);
        if (mask == null && column.uncatalogued()) {
          // A relation created since the catalog was read: it may be a view over masked columns.
          mask = UNCATALOGUED;
          uncatalogued = true;
        }
      }
      masks.add(mask);
      any |= mask != null;
    }
    if (!any) {
      return null;
    }
    return new ResultMasks(
        masks, masking.classifiers().enabled() ? masking.classifiers() : null, uncatalogued);
  }
}
