package dev.warden.gateway;

import dev.warden.core.identity.Authenticated;
import dev.warden.core.session.SessionContext;
import dev.warden.core.session.SessionDirectory;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The live sessions of this gateway, for the admin API. Holds no secrets. */
public final class SessionRegistry implements SessionDirectory {
  /** What is shown of one session. */
  public record Entry(SessionContext context, Authenticated caller, Instant startedAt) {}

  private final Map<String, Entry> sessions = new ConcurrentHashMap<>();

  /** Set once the gateway drains before it stops: every door refuses new sessions. */
  private volatile boolean draining;

  /** No new session from now on: the gateway is shutting down (sessions already open go on). */
  public void drain() {
    draining = true;
  }

  public boolean draining() {
    return draining;
  }

  /** The error a door gives a client that comes while the gateway drains. */
  public static dev.warden.core.error.WardenException shuttingDown() {
    return new dev.warden.core.error.WardenException(
        dev.warden.core.error.ErrorCode.SHUTTING_DOWN,
        "this gateway is shutting down and takes no new sessions",
        "connect again: another replica (or this one once restarted) takes it");
  }

  public void add(SessionContext context, Authenticated caller, Instant startedAt) {
    sessions.put(context.sessionId(), new Entry(context, caller, startedAt));
  }

  public void remove(String sessionId) {
    sessions.remove(sessionId);
  }

  @Override
  public List<Map<String, Object>> sessions() {
    return sessions.values().stream()
        .sorted(Comparator.comparing(Entry::startedAt))
        .map(SessionRegistry::describe)
        .toList();
  }

  private static Map<String, Object> describe(Entry e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", e.context().sessionId());
    out.put("subject", e.context().identity().subject());
    out.put("issuer", e.context().identity().issuer());
    out.put("groups", e.context().identity().groups().stream().sorted().toList());
    out.put("roles", e.caller().roles().stream().sorted().toList());
    out.put("connection", e.context().connection());
    out.put("client", e.context().clientAddress());
    out.put("application", e.context().applicationName());
    out.put("startedAt", e.startedAt().toString());
    out.put(
        "credentialExpiresAt",
        e.caller().expiresAt() == null ? null : e.caller().expiresAt().toString());
    return out;
  }
}
