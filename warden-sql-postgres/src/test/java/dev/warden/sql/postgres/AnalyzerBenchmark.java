package dev.warden.sql.postgres;

/**
 * Cost of analysing a typical OLTP statement without any cache: libpg_query's parse, the JSON tree,
 * and the walk. Not a test; run by bench/analyzer.sh. Prints microseconds per statement.
 */
public final class AnalyzerBenchmark {
  private AnalyzerBenchmark() {}

  public static void main(String[] args) {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int measured = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    PostgresAnalyzer analyzer = new PostgresAnalyzer(PgQuery.load());
    String[] statements = {
      "SELECT abalance FROM pgbench_accounts WHERE aid = 48213",
      "UPDATE pgbench_accounts SET abalance = abalance + -4212 WHERE aid = 48213",
      "SELECT o.id, o.amount, c.full_name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid' ORDER BY o.id DESC LIMIT 20"
    };
    for (int i = 0; i < warmup; i++) {
      analyzer.analyze(statements[i % statements.length]);
    }
    for (String sql : statements) {
      long start = System.nanoTime();
      for (int i = 0; i < measured; i++) {
        analyzer.analyze(sql);
      }
      System.out.printf("%6.1f us/op  %s%n", (System.nanoTime() - start) / 1000.0 / measured, sql);
    }
  }
}
