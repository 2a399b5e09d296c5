package dev.warden.core.policy;

import dev.warden.core.identity.Identity;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The policy in force, swapped atomically when a new text is loaded, and the versions loaded so
 * far. A text is parsed and validated completely before it replaces anything: an invalid one is
 * rejected and the policy in force stays. Sessions are never dropped by a reload; each statement is
 * decided by the version in force when it arrives. Loading is serialised; deciding never blocks.
 */
public final class PolicyVersions implements PolicyEngine {
  /** How many versions (with their text) are kept in memory. */
  public static final int HISTORY = 50;

  /** A loaded version: its number (from 1), the SHA-256 of its text, when and whence it came. */
  public record Version(int number, String sha256, Instant loadedAt, String source, String text) {}

  /** A text that failed validation and was not loaded. */
  public record Rejection(String sha256, Instant at, String source, String error) {}

  private record Current(Version version, DeclarativePolicyEngine engine) {}

  private final PolicyParser parser;
  private final Clock clock;
  private final ArrayDeque<Version> history = new ArrayDeque<>();
  private volatile Current current;
  private volatile Rejection lastRejection;

  /**
   * Starts with {@code text}; throws PolicyException when it is invalid (nothing to fall back to).
   */
  public PolicyVersions(PolicyParser parser, Clock clock, String text, String source) {
    this.parser = parser;
    this.clock = clock;
    install(parser.parse(text), text, source);
  }

  /**
   * Loads a new text. Returns the new version; the current one when the text is unchanged; throws
   * PolicyException (and remembers the rejection) when it is invalid, leaving the policy in force.
   */
  public synchronized Version load(String text, String source) {
    String hash = sha256(text);
    if (hash.equals(current.version().sha256())) {
      return current.version();
    }
    Policy policy;
    try {
      policy = parser.parse(text);
    } catch (PolicyException e) {
      lastRejection = new Rejection(hash, clock.instant(), source, e.getMessage());
      throw e;
    }
    return install(policy, text, source);
  }

  /** Records that a source could not be loaded at all (e.g. the file is unreadable). */
  public synchronized void reject(String source, String error) {
    lastRejection = new Rejection("", clock.instant(), source, error);
  }

  private synchronized Version install(Policy policy, String text, String source) {
    int number = current == null ? 1 : current.version().number() + 1;
    Version version = new Version(number, sha256(text), clock.instant(), source, text);
    current = new Current(version, new DeclarativePolicyEngine(policy));
    lastRejection = null;
    history.addFirst(version);
    while (history.size() > HISTORY) {
      history.removeLast();
    }
    return version;
  }

  public Version current() {
    return current.version();
  }

  /** Loaded versions, newest first (at most {@link #HISTORY}). */
  public synchronized List<Version> history() {
    return List.copyOf(history);
  }

  /** The last rejected text since the last successful load, if any. */
  public Optional<Rejection> lastRejection() {
    return Optional.ofNullable(lastRejection);
  }

  /** Whether {@code text} is the one in force or the one last rejected (nothing to do). */
  public boolean known(String text) {
    String hash = sha256(text);
    Rejection rejection = lastRejection;
    return hash.equals(current.version().sha256())
        || (rejection != null && hash.equals(rejection.sha256()));
  }

  @Override
  public Decision decide(
      Identity identity, Set<String> roles, String connection, Statement statement) {
    return current.engine().decide(identity, roles, connection, statement);
  }

  @Override
  public Decision decide(
      Identity identity,
      Set<String> roles,
      String connection,
      Statement statement,
      FunctionCatalog functions) {
    return current.engine().decide(identity, roles, connection, statement, functions);
  }

  @Override
  public boolean readOnly(Set<String> roles, String connection) {
    return current.engine().readOnly(roles, connection);
  }

  @Override
  public Limits limits(Set<String> roles, String connection) {
    return current.engine().limits(roles, connection);
  }

  @Override
  public Masking masking(Set<String> roles, String connection) {
    return current.engine().masking(roles, connection);
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
