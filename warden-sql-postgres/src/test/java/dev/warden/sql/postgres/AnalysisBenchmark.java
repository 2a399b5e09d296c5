package dev.warden.sql.postgres;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.warden.core.identity.Identity;
import dev.warden.core.policy.Decision;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.sql.Statement;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: analysis plus decision per statement, the way the gateway does it (analyse, resolve the
 * search path, decide against the sample policy). A cache hit by exact text and by shape (literals
 * differ), a cold parse, the decision alone, and libpg_query's two outputs (JSON, which Warden
 * walks, and protobuf) without any Java work. Run by bench/analyzer.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AnalysisBenchmark {
  static final String OLTP = "SELECT abalance FROM pgbench_accounts WHERE aid = 48213";
  static final String JOIN =
      "SELECT o.id, o.amount, c.full_name FROM public.orders o JOIN public.customers c"
          + " ON c.id = o.customer_id WHERE o.status = 'paid' ORDER BY o.id DESC LIMIT 20";

  PgQuery pgQuery;
  PostgresAnalyzer uncached;
  CachingAnalyzer cached;
  DeclarativePolicyEngine engine;
  Identity agent = new Identity("agent", "https://idp", Set.of(), Map.of());
  Set<String> roles = Set.of("agent");
  Statement analyzedJoin;
  long literal;
  MethodHandle parseProtobuf;
  MethodHandle freeProtobuf;

  static final StructLayout PROTOBUF_RESULT =
      MemoryLayout.structLayout(
          JAVA_LONG.withName("len"),
          ADDRESS.withName("data"),
          ADDRESS.withName("stderr_buffer"),
          ADDRESS.withName("error"));

  @Setup
  public void setUp() {
    pgQuery = PgQuery.load();
    uncached = new PostgresAnalyzer(pgQuery);
    cached = new CachingAnalyzer(pgQuery, CachingAnalyzer.DEFAULT_ENTRIES);
    engine = new DeclarativePolicyEngine(new PolicyParser().sample());
    analyzedJoin = uncached.analyze(JOIN).qualified("public");
    SymbolLookup library = SymbolLookup.libraryLookup("libpg_query.so.1504.0", Arena.global());
    Linker linker = Linker.nativeLinker();
    parseProtobuf =
        linker.downcallHandle(
            library.find("pg_query_parse_protobuf").orElseThrow(),
            FunctionDescriptor.of(PROTOBUF_RESULT, ADDRESS));
    freeProtobuf =
        linker.downcallHandle(
            library.find("pg_query_free_protobuf_parse_result").orElseThrow(),
            FunctionDescriptor.ofVoid(PROTOBUF_RESULT));
  }

  private Decision decide(Statement statement) {
    return engine.decide(agent, roles, "shop", statement.qualified("public"));
  }

  /** The same text again: the exact-text cache, then the decision. */
  @Benchmark
  public Decision cacheHitExactText() {
    return decide(cached.analyze(JOIN));
  }

  /**
   * A new literal every time, as simple-protocol OLTP sends: normalize, the shape cache, decide.
   */
  @Benchmark
  public Decision cacheHitByShape() {
    return decide(
        cached.analyze("SELECT abalance FROM pgbench_accounts WHERE aid = " + (literal++)));
  }

  /** No cache: libpg_query's parse to JSON, the JSON tree, the walk, then the decision. */
  @Benchmark
  public Decision coldOltp() {
    return decide(uncached.analyze(OLTP));
  }

  @Benchmark
  public Decision coldJoin() {
    return decide(uncached.analyze(JOIN));
  }

  /** The decision alone, on an analysed statement. */
  @Benchmark
  public Decision decisionOnly() {
    return engine.decide(agent, roles, "shop", analyzedJoin);
  }

  /** libpg_query alone, JSON output (what the analyzer reads). */
  @Benchmark
  public Object nativeParseJson() {
    return pgQuery.parse(JOIN);
  }

  /** libpg_query alone, protobuf output (not decoded). */
  @Benchmark
  public long nativeParseProtobuf() throws Throwable {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment result =
          (MemorySegment)
              parseProtobuf.invokeExact((SegmentAllocator) arena, arena.allocateFrom(JOIN));
      long length = result.get(JAVA_LONG, 0);
      freeProtobuf.invokeExact(result);
      return length;
    }
  }

  /** libpg_query's normalize alone: the cost of a shape-cache lookup's key. */
  @Benchmark
  public String nativeNormalize() {
    return pgQuery.normalize(OLTP);
  }
}
