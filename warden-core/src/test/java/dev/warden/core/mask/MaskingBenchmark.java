package dev.warden.core.mask;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** JMH: the mask strategies and the classifiers on typical short cells. Run by bench/masking.sh. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MaskingBenchmark {
  final MaskStrategy keepLast = new MaskStrategy.KeepLast(4);
  final MaskStrategy email = new MaskStrategy.PartialEmail();
  final MaskStrategy token =
      new MaskStrategy.Token("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
  final Classifiers classifiers = Classifiers.all();
  final String card = "4111 1111 1111 1111";
  final String address = "jane.doe@example.com";
  final String name = "Jane Doe";
  final String note = "customer called about order 48213 on 2026-11-02, wants a refund";
  final String noteWithCard = "paid with 4111-1111-1111-1111, exp 12/30";

  @Benchmark
  public String keepLast4() {
    return keepLast.mask(card);
  }

  @Benchmark
  public String partialEmail() {
    return email.mask(address);
  }

  @Benchmark
  public String keyedToken() {
    return token.mask(card);
  }

  @Benchmark
  public String classifyNameNothingFound() {
    return classifiers.scrub(name);
  }

  @Benchmark
  public String classifyNoteNothingFound() {
    return classifiers.scrub(note);
  }

  @Benchmark
  public String classifyNoteWithCard() {
    return classifiers.scrub(noteWithCard);
  }
}
