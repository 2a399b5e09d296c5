package dev.warden.frontend.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Identity;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallLimitsTest {
  final AtomicLong now = new AtomicLong();

  static Caller caller(String subject) {
    return new Caller(
        new Authenticated(
            new Identity(subject, "iss", Set.of(), Map.of()),
            Set.of(),
            Set.of(),
            Set.of(),
            Instant.MAX),
        "t",
        "127.0.0.1:1");
  }

  @Test
  void anIdentityGetsSoManyCallsAtOnceAndPerMinuteOthersTheirOwn() throws Exception {
    CallLimits limits = new CallLimits(2, 3, now::get);
    Caller ann = caller("ann");
    limits.acquire(ann);
    limits.acquire(ann);
    assertThatThrownBy(() -> limits.acquire(ann))
        .isInstanceOf(ToolRefusal.class)
        .hasMessageContaining("mcp.maxConcurrentCalls");
    // Someone else is not held up by ann.
    limits.acquire(caller("bob"));
    limits.release(ann);
    limits.acquire(ann);
    limits.release(ann);
    limits.release(ann);
    // Three calls this minute: the fourth waits for the minute to pass.
    assertThatThrownBy(() -> limits.acquire(ann))
        .isInstanceOf(ToolRefusal.class)
        .hasMessageContaining("mcp.callsPerMinute")
        .satisfies(e -> assertThat(((ToolRefusal) e).hint).startsWith("retry in 60 s"));
    now.addAndGet(60_000_000_000L);
    limits.acquire(ann);
  }
}
