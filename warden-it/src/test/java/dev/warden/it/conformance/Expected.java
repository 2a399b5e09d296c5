package dev.warden.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.Masking;
import dev.warden.core.policy.PolicyParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a client must see through Warden, given what it saw of the same workload run directly: the
 * same results, statement by statement, except that every cell of a masked column (the demo
 * policy's own mask rules, by the result column's name) holds that column's mask of the direct
 * value, and the classifiers' findings in other text are masked.
 */
final class Expected {
  private final Masking masking;

  /** The masks the demo's sample policy applies for {@code role} on connection {@code shop}. */
  Expected(String role) {
    this.masking =
        new DeclarativePolicyEngine(new PolicyParser().sample()).masking(Set.of(role), "shop");
  }

  /** The cell a client sees through Warden for a direct value in column {@code column}. */
  String cell(String column, String direct) {
    if (direct == null) {
      return null;
    }
    Masking.ColumnMask mask = masking.column("public", "any_table", column);
    if (mask != null) {
      return mask.strategy().mask(direct);
    }
    return masking.classifiers().scrub(direct);
  }

  /** Through Warden, the client saw what it saw directly, masked where the policy says. */
  void assertMatches(String workload, Transcript direct, Transcript warden) {
    List<String> directLabels = labels(direct);
    assertThat(labels(warden)).as("%s: the results, in order", workload).isEqualTo(directLabels);
    for (int i = 0; i < direct.results().size(); i++) {
      Transcript.Result d = direct.results().get(i);
      Transcript.Result w = warden.results().get(i);
      String where = workload + " / " + d.label();
      assertThat(w.error()).as("%s: error", where).isEqualTo(d.error());
      assertThat(w.columns()).as("%s: columns", where).isEqualTo(d.columns());
      assertThat(w.rows()).as("%s: row count", where).hasSameSizeAs(d.rows());
      for (int r = 0; r < d.rows().size(); r++) {
        List<String> expected = new ArrayList<>();
        for (int c = 0; c < d.columns().size(); c++) {
          expected.add(cell(d.columns().get(c), d.rows().get(r).get(c)));
        }
        assertThat(w.rows().get(r)).as("%s: row %d", where, r + 1).isEqualTo(expected);
      }
    }
  }

  private static List<String> labels(Transcript t) {
    return t.results().stream().map(Transcript.Result::label).toList();
  }
}
