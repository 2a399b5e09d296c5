package dev.warden.frontend.mcp;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How many tool calls one identity may have under way at once, and make in a minute: an agent in a
 * loop meets a clear refusal instead of the database. Counted per identity (issuer and subject),
 * whatever MCP session or token it uses.
 */
final class CallLimits {
  private static final long MINUTE = 60_000_000_000L;

  private final int concurrent;
  private final int perMinute;
  private final LongSupplier nanos;
  private final Map<String, Usage> usage = new ConcurrentHashMap<>();

  private static final class Usage {
    int inFlight;
    final Deque<Long> recent = new ArrayDeque<>();
  }

  CallLimits(int concurrent, int perMinute, LongSupplier nanos) {
    this.concurrent = concurrent;
    this.perMinute = perMinute;
    this.nanos = nanos;
  }

  /** Takes a call's place; {@link #release} gives it back. Refused when a limit is reached. */
  void acquire(Caller caller) throws ToolRefusal {
    Usage u = usage.computeIfAbsent(key(caller), k -> new Usage());
    synchronized (u) {
      long now = nanos.getAsLong();
      while (!u.recent.isEmpty() && now - u.recent.peekFirst() >= MINUTE) {
        u.recent.pollFirst();
      }
      if (u.inFlight >= concurrent) {
        throw new ToolRefusal(
            "you have "
                + u.inFlight
                + " tool calls under way, the most mcp.maxConcurrentCalls allows",
            "wait for one to finish, then call again");
      }
      if (u.recent.size() >= perMinute) {
        long retry = (MINUTE - (now - u.recent.peekFirst()) + 999_999_999L) / 1_000_000_000L;
        throw new ToolRefusal(
            "you made "
                + u.recent.size()
                + " tool calls in the last minute, the most"
                + " mcp.callsPerMinute allows",
            "retry in " + retry + " s");
      }
      u.inFlight++;
      u.recent.addLast(now);
    }
  }

  void release(Caller caller) {
    Usage u = usage.get(key(caller));
    if (u != null) {
      synchronized (u) {
        u.inFlight--;
      }
    }
  }

  private static String key(Caller caller) {
    return caller.authenticated().identity().issuer() + "\n" + caller.subject();
  }
}
