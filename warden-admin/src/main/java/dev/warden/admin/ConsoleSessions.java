package dev.warden.admin;

import dev.warden.core.identity.Authenticated;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in people and sign-ins under way, in memory: a session is a random id (the cookie) for an
 * identity, with its CSRF token, until its ID token expires (at most {@link #MAX_AGE}); a sign-in
 * under way is its state, nonce and PKCE verifier for {@link #LOGIN_AGE}.
 */
final class ConsoleSessions {
  static final Duration MAX_AGE = Duration.ofHours(8);
  static final Duration LOGIN_AGE = Duration.ofMinutes(10);

  record Session(Authenticated caller, String csrf, Instant expires) {}

  record Login(String nonce, String verifier, String redirectUri, Instant started) {}

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final Map<String, Login> logins = new ConcurrentHashMap<>();
  private final Clock clock;

  ConsoleSessions(Clock clock) {
    this.clock = clock;
  }

  void loginStarted(String state, Login login) {
    Instant now = clock.instant();
    logins.values().removeIf(l -> l.started().plus(LOGIN_AGE).isBefore(now));
    logins.put(state, login);
  }

  /** The sign-in a callback's state belongs to, once; null when unknown or too old. */
  Login loginFinished(String state) {
    Login login = state == null ? null : logins.remove(state);
    return login == null || login.started().plus(LOGIN_AGE).isBefore(clock.instant())
        ? null
        : login;
  }

  void open(String id, Session session) {
    Instant now = clock.instant();
    sessions.values().removeIf(s -> s.expires().isBefore(now));
    sessions.put(id, session);
  }

  /** The live session of a cookie's id, or null. */
  Session find(String id) {
    Session s = id == null ? null : sessions.get(id);
    if (s == null) {
      return null;
    }
    if (s.expires().isBefore(clock.instant())) {
      sessions.remove(id);
      return null;
    }
    return s;
  }

  void close(String id) {
    if (id != null) {
      sessions.remove(id);
    }
  }

  /** Whether a request's CSRF token is its session's (compared in constant time). */
  static boolean csrfMatches(Session session, String presented) {
    return presented != null
        && MessageDigest.isEqual(
            session.csrf().getBytes(StandardCharsets.UTF_8),
            presented.getBytes(StandardCharsets.UTF_8));
  }
}
