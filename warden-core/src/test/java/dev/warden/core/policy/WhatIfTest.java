package dev.warden.core.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.ColumnOrigin;
import dev.warden.core.sql.ColumnUses;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WhatIfTest {
  static final String CURRENT =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["shop"],
        "allow": [{"id": "read", "classes": ["READ"], "objects": ["public.*"]},
                  {"id": "write", "classes": ["WRITE"], "objects": ["public.*"]}]}]}
      """;

  /** The draft: deletes now wait for a dba, internal reads are denied, e-mails are masked. */
  static final String DRAFT =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["shop"],
        "allow": [{"id": "read", "classes": ["READ"], "objects": ["public.*"]},
                  {"id": "write", "classes": ["WRITE"], "verbs": ["INSERT", "UPDATE"], "objects": ["public.*"]}],
        "hold": [{"id": "hold-delete", "verbs": ["DELETE"], "objects": ["public.*"], "approvers": ["dba"]}],
        "masks": [{"id": "mask-email", "columns": ["public.customers.email"], "strategy": "redact"}]}]}
      """;

  static final TableRef CUSTOMERS = new TableRef("public", "customers");
  static final TableRef ORDERS = new TableRef("public", "orders");

  static Statement statement(String verb, StatementClass cls, TableRef table, String... outputs) {
    List<ColumnUses.Output> out =
        java.util.Arrays.stream(outputs)
            .map(c -> new ColumnUses.Output(Set.of(new ColumnOrigin(table, c)), true, null))
            .toList();
    boolean write = cls == StatementClass.WRITE;
    return new Statement(
        verb + " ...",
        cls,
        List.of(
            new StatementPart(
                verb,
                cls,
                write ? Set.of() : Set.of(table),
                write ? Set.of(table) : Set.of(),
                Set.of(),
                Set.of(verb),
                Set.of(),
                null,
                write ? 1 : 0,
                new ColumnUses(Set.of(), Set.of(), List.of(), out))),
        null);
  }

  static WhatIf.Recorded recorded(long seq, String subject, Statement statement, String decision) {
    return new WhatIf.Recorded(
        seq,
        Instant.EPOCH,
        "s" + seq,
        new Identity(subject, "iss", Set.of(), Map.of()),
        Set.of("agent"),
        "shop",
        statement,
        decision,
        decision.equals("allow")
            ? (statement.statementClass() == StatementClass.READ ? "read" : "write")
            : "x");
  }

  @Test
  void aDraftIsTriedOnHistoryAndSaysWhatWouldChange() {
    PolicyParser parser = new PolicyParser();
    PolicyEngine current = new DeclarativePolicyEngine(parser.parse(CURRENT));
    PolicyEngine draft = new DeclarativePolicyEngine(parser.parse(DRAFT));
    List<WhatIf.Recorded> history =
        List.of(
            recorded(1, "ann", statement("SELECT", StatementClass.READ, ORDERS, "id"), "allow"),
            recorded(
                2,
                "ann",
                statement("SELECT", StatementClass.READ, CUSTOMERS, "id", "email"),
                "allow"),
            recorded(3, "bob", statement("DELETE", StatementClass.WRITE, ORDERS), "allow"),
            recorded(4, "bob", statement("UPDATE", StatementClass.WRITE, ORDERS), "allow"),
            recorded(
                5, "bob", new Statement("x", StatementClass.INVALID, List.of(), "bad"), "deny"));
    WhatIf.Report report =
        WhatIf.run(current, draft, history, connection -> FunctionCatalog.builtin());
    assertThat(report.statements()).isEqualTo(5);
    assertThat(report.unanalysable()).isEqualTo(1);
    // The orders read and the update are untouched; the e-mail is masked now; the delete waits.
    assertThat(report.changes()).hasSize(2);
    WhatIf.Change masked = report.changes().get(0);
    assertThat(masked.recorded().seq()).isEqualTo(2);
    assertThat(masked.kind()).isEqualTo("masks");
    assertThat(masked.masksAdded()).containsExactly("public.customers.email (mask-email)");
    WhatIf.Change held = report.changes().get(1);
    assertThat(held.kind()).isEqualTo("allow → hold");
    assertThat(held.ruleAfter()).isEqualTo("hold-delete");
    assertThat(report.byIdentity()).isEqualTo(Map.of("ann", 1, "bob", 1));
    assertThat(report.byRule()).containsEntry("hold-delete", 1);
  }
}
