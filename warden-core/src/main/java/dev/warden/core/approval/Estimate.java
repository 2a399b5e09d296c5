package dev.warden.core.approval;

/**
 * What the database's planner expects a held data change to touch, for the approver: the rows it
 * estimates (from {@code EXPLAIN}, without running the statement) and the plan's shape, or why
 * there is no estimate.
 *
 * @param rows the planner's estimate of rows changed (null when unavailable)
 * @param plan the plan's nodes, outermost first (e.g. {@code Delete on public.orders <- Index Scan
 *     using orders_pkey on public.orders})
 * @param unavailable why there is no estimate (null when there is one)
 */
public record Estimate(Long rows, String plan, String unavailable) {
  public static Estimate of(long rows, String plan) {
    return new Estimate(rows, plan, null);
  }

  public static Estimate unavailable(String why) {
    return new Estimate(null, null, why);
  }

  @Override
  public String toString() {
    return rows != null ? "~" + rows + " rows (" + plan + ")" : "no estimate: " + unavailable;
  }
}
