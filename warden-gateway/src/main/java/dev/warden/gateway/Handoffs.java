package dev.warden.gateway;

import dev.warden.core.admission.SessionOptions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sessions one door opens through another on a client's behalf — the MCP door runs an agent's
 * statements through the PostgreSQL or MySQL door over loopback, with the agent's own token — carry
 * a ticket the wire door redeems once: the client's real address, the protocol it came by and its
 * application, and the {@link SessionOptions} the first door asks for. A ticket is random, lives in
 * this process only, is good for one session and expires after {@link #LIFETIME}; a wire door
 * refuses a session whose ticket it does not find. The token still decides who the session is.
 */
public final class Handoffs {
  /**
   * What starts the application name that carries a ticket to the PostgreSQL door (drivers send no
   * startup parameter of their own choosing, but all send application_name).
   */
  public static final String APPLICATION_PREFIX = "warden-handoff:";

  /** How long a ticket waits to be redeemed. */
  public static final Duration LIFETIME = Duration.ofSeconds(30);

  /** What the session opened with a ticket is. */
  public record Handoff(
      String clientAddress, String protocol, String application, SessionOptions options) {}

  private record Issued(Handoff handoff, Instant expires) {}

  private final Map<String, Issued> issued = new ConcurrentHashMap<>();
  private final SecureRandom random;
  private final Clock clock;

  public Handoffs(SecureRandom random, Clock clock) {
    this.random = random;
    this.clock = clock;
  }

  /** A ticket for one session to be opened with {@code handoff}. */
  public String issue(Handoff handoff) {
    Instant now = clock.instant();
    issued.values().removeIf(i -> i.expires().isBefore(now));
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    String ticket = "wh_" + HexFormat.of().formatHex(bytes);
    issued.put(ticket, new Issued(handoff, now.plus(LIFETIME)));
    return ticket;
  }

  /**
   * The handoff a ticket stands for, once; refused (the session must not start) when it is unknown,
   * spent or expired.
   */
  public Handoff require(String ticket) {
    Handoff handoff = redeem(ticket);
    if (handoff == null) {
      throw new dev.warden.core.error.WardenException(
          dev.warden.core.error.ErrorCode.ACCESS_DENIED,
          "unknown or spent handoff ticket",
          "only Warden's own doors open sessions with a ticket");
    }
    return handoff;
  }

  /** The handoff a ticket stands for, once; null when it is unknown, spent or expired. */
  public Handoff redeem(String ticket) {
    Issued i = ticket == null ? null : issued.remove(ticket);
    return i == null || i.expires().isBefore(clock.instant()) ? null : i.handoff();
  }
}
