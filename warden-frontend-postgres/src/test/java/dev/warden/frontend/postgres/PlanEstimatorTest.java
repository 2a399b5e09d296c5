package dev.warden.frontend.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.approval.Estimate;
import org.junit.jupiter.api.Test;

/** Reading the row estimate out of PostgreSQL 15's EXPLAIN (FORMAT JSON) plans. */
class PlanEstimatorTest {
  @Test
  void aDeleteCountsTheRowsItsScanFeedsIt() {
    Estimate e =
        PlanEstimator.read(
            """
            [{"Plan": {"Node Type": "ModifyTable", "Operation": "Delete", "Relation Name": "orders",
              "Plan Rows": 0,
              "Plans": [{"Node Type": "Index Scan", "Parent Relationship": "Outer",
                "Index Name": "orders_pkey", "Relation Name": "orders", "Plan Rows": 1}]}}]
            """);
    assertThat(e.rows()).isEqualTo(1);
    assertThat(e.plan()).isEqualTo("Delete on orders <- Index Scan using orders_pkey on orders");
    assertThat(e.unavailable()).isNull();
  }

  @Test
  void aWritableCteAddsItsOwnChangesAndAnInitPlanIsNotTheInput() {
    // EXPLAIN (FORMAT JSON) WITH d AS (DELETE FROM t WHERE id < 10 RETURNING id)
    //   INSERT INTO t SELECT id + 1000, 0 FROM d   (PostgreSQL 15, t analyzed, trimmed)
    Estimate e =
        PlanEstimator.read(
            """
            [{"Plan": {"Node Type": "ModifyTable", "Operation": "Insert", "Relation Name": "t",
              "Plan Rows": 0,
              "Plans": [
                {"Node Type": "ModifyTable", "Operation": "Delete", "Parent Relationship": "InitPlan",
                 "Subplan Name": "CTE d", "Relation Name": "t", "Plan Rows": 8,
                 "Plans": [{"Node Type": "Seq Scan", "Parent Relationship": "Outer",
                   "Relation Name": "t", "Plan Rows": 8}]},
                {"Node Type": "CTE Scan", "Parent Relationship": "Outer", "CTE Name": "d",
                 "Plan Rows": 8}]}}]
            """);
    assertThat(e.rows()).isEqualTo(16);
    assertThat(e.plan()).isEqualTo("Insert on t <- CTE Scan");
  }

  @Test
  void noModifyingNodeOrNoPlanIsSaidSo() {
    assertThat(
            PlanEstimator.read("[{\"Plan\": {\"Node Type\": \"Result\", \"Plan Rows\": 1}}]")
                .unavailable())
        .isEqualTo("the plan changes no table directly");
    assertThat(PlanEstimator.read("not json").unavailable())
        .isEqualTo("the plan could not be read");
    assertThat(PlanEstimator.read("[]").unavailable()).isEqualTo("the database returned no plan");
  }
}
