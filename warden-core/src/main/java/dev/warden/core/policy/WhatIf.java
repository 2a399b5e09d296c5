package dev.warden.core.policy;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.ColumnOrigin;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A draft policy tried on recorded history before it goes live: each recorded statement is decided
 * again by the draft, with the roles its session had, and set beside what was decided then; its
 * outputs are masked by the draft and by the policy in force, and set side by side too. What would
 * change — a decision (allow → deny, deny → hold …), the rule that decides it, or a mask added or
 * removed — is reported, grouped by the draft's rule and by identity. Just-in-time grants are not
 * tried: the draft is the policy alone.
 */
public final class WhatIf {
  private WhatIf() {}

  /**
   * One recorded statement: its place in the trail, whose it was (identity, the roles its session
   * had), where, the statement as analysed again from its recorded text, and what was decided then.
   */
  public record Recorded(
      long seq,
      Instant at,
      String sessionId,
      Identity identity,
      Set<String> roles,
      String connection,
      Statement statement,
      String decision,
      String rule) {
    public Recorded {
      roles = Set.copyOf(roles);
    }
  }

  /** What the draft would do differently to one recorded statement. */
  public record Change(
      Recorded recorded,
      String before,
      String ruleBefore,
      String after,
      String ruleAfter,
      List<String> masksAdded,
      List<String> masksRemoved) {
    public Change {
      masksAdded = List.copyOf(masksAdded);
      masksRemoved = List.copyOf(masksRemoved);
    }

    /** "allow → deny", "deny → deny (rule)", "masks" when only masks change. */
    public String kind() {
      if (!before.equals(after)) {
        return before + " → " + after;
      }
      return ruleBefore.equals(ruleAfter) ? "masks" : before + " (another rule)";
    }
  }

  /**
   * The outcome: how many statements were tried, how many could not be analysed again (left as they
   * were), and the changes, oldest first.
   */
  public record Report(int statements, int unanalysable, List<Change> changes) {
    public Report {
      changes = List.copyOf(changes);
    }

    /** Changes by the draft's rule that decides them, most first. */
    public Map<String, Integer> byRule() {
      Map<String, Integer> out = new TreeMap<>();
      changes.forEach(c -> out.merge(c.ruleAfter(), 1, Integer::sum));
      return out;
    }

    /** Changes by identity (subject). */
    public Map<String, Integer> byIdentity() {
      Map<String, Integer> out = new TreeMap<>();
      changes.forEach(c -> out.merge(c.recorded().identity().subject(), 1, Integer::sum));
      return out;
    }

    /** Changes by kind ("allow → deny", "masks", …). */
    public Map<String, Integer> byKind() {
      Map<String, Integer> out = new TreeMap<>();
      changes.forEach(c -> out.merge(c.kind(), 1, Integer::sum));
      return out;
    }
  }

  /**
   * Tries {@code draft} on {@code history}. {@code current}: the policy in force (for the masks it
   * applies now); {@code functions}: each connection's function catalog (volatility).
   */
  public static Report run(
      PolicyEngine current,
      PolicyEngine draft,
      List<Recorded> history,
      Function<String, FunctionCatalog> functions) {
    List<Change> changes = new ArrayList<>();
    int unanalysable = 0;
    for (Recorded r : history) {
      Statement statement = r.statement();
      if (statement.parts().isEmpty()) {
        unanalysable++;
        continue;
      }
      Decision decided =
          draft.decide(
              r.identity(), r.roles(), r.connection(), statement, functions.apply(r.connection()));
      String after = name(decided);
      List<String> added = new ArrayList<>();
      List<String> removed = new ArrayList<>();
      if (!after.equals("deny")) {
        Masking now = current.masking(r.roles(), r.connection());
        Masking then = draft.masking(r.roles(), r.connection());
        for (ColumnOrigin source : outputs(statement)) {
          if (source.table() == null || source.table().schema() == null) {
            continue;
          }
          Masking.ColumnMask a =
              now.column(source.table().schema(), source.table().name(), source.column());
          Masking.ColumnMask b =
              then.column(source.table().schema(), source.table().name(), source.column());
          String column = source.table() + "." + source.column();
          if (a == null && b != null) {
            added.add(column + " (" + b.rule() + ")");
          } else if (a != null && b == null) {
            removed.add(column + " (" + a.rule() + ")");
          }
        }
      }
      boolean sameDecision = after.equals(r.decision()) && decided.rule().equals(r.rule());
      if (!sameDecision || !added.isEmpty() || !removed.isEmpty()) {
        changes.add(new Change(r, r.decision(), r.rule(), after, decided.rule(), added, removed));
      }
    }
    return new Report(history.size(), unanalysable, changes);
  }

  /**
   * The base columns a statement's results pass on or compute from, an unqualified table taken to
   * be the one of that name the part reads (as the statement was resolved).
   */
  private static Set<ColumnOrigin> outputs(Statement statement) {
    Set<ColumnOrigin> out = new TreeSet<>((a, b) -> a.toString().compareTo(b.toString()));
    for (StatementPart part : statement.parts()) {
      Map<String, String> schemas = new java.util.HashMap<>();
      for (TableRef read : part.reads()) {
        if (read.schema() != null) {
          schemas.putIfAbsent(read.name(), read.schema());
        }
      }
      ColumnUses uses = part.columns();
      for (ColumnUses.Output output : uses.outputs()) {
        for (ColumnOrigin source : output.sources()) {
          TableRef table = source.table();
          if (table != null && table.schema() == null && schemas.containsKey(table.name())) {
            source =
                new ColumnOrigin(
                    new TableRef(schemas.get(table.name()), table.name()), source.column());
          }
          out.add(source);
        }
      }
    }
    return out;
  }

  /** A decision's name as the trail records it. */
  public static String name(Decision decision) {
    return switch (decision) {
      case Decision.Allow a -> "allow";
      case Decision.Deny d -> "deny";
      case Decision.Hold h -> "hold";
    };
  }
}
