package dev.warden.frontend.mcp;

import dev.warden.core.admission.SessionOptions;
import dev.warden.core.identity.CredentialShapes;
import dev.warden.gateway.Handoffs;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.config.WardenConfig.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' sessions behind the MCP endpoint. An MCP session belongs to the identity that opened
 * it (a request with another identity's token is refused); for each database connection it uses, it
 * holds two sessions of Warden's own wire door, opened over loopback with the agent's token and a
 * handoff ticket: a read-only one for {@code query} and {@code explain}, one for {@code execute}.
 * Both ask for approvals instead of waiting. An MCP session is bound to the identity that opened it
 * (initialize): a request naming it with another identity's token is refused before the SDK sees
 * it. Its wire sessions end when the client ends the MCP session (HTTP DELETE), or once idle for
 * {@link #IDLE}.
 */
final class AgentSessions implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentSessions.class);
  static final Duration IDLE = Duration.ofMinutes(10);

  /** A statement an approver must allow, as the agent sent it (for run_approved). */
  record Asked(String subject, String issuer, String connection, String sql, List<String> params) {}

  private final ServerContext server;
  private final IntSupplier postgresPort;
  private final IntSupplier mysqlPort;
  private final Map<String, AgentSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Asked> asked = new ConcurrentHashMap<>();

  /** Who opened each MCP session, by the id the SDK gave it. */
  private final Map<String, Owner> owners = new ConcurrentHashMap<>();

  private static final class Owner {
    final Caller caller;
    volatile long lastSeen = System.nanoTime();

    Owner(Caller caller) {
      this.caller = caller;
    }
  }

  private final ScheduledExecutorService sweeper =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("warden-mcp-sessions").daemon().unstarted(r));

  AgentSessions(ServerContext server, IntSupplier postgresPort, IntSupplier mysqlPort) {
    this.server = server;
    this.postgresPort = postgresPort;
    this.mysqlPort = mysqlPort;
    sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.MINUTES);
  }

  /**
   * The session {@code id} of the MCP protocol, for {@code caller}: opened on first use; refused
   * when another identity opened it.
   */
  AgentSession session(String id, Caller caller, String client) throws ToolRefusal {
    String key = id == null ? "stateless:" + caller.subject() : id;
    AgentSession session =
        sessions.computeIfAbsent(key, k -> new AgentSession(caller, application(client)));
    if (!session.owner.sameIdentity(caller)) {
      throw new ToolRefusal(
          "this MCP session belongs to another identity",
          "open a new MCP session with your own token");
    }
    return session;
  }

  /** The MCP session {@code id} was opened (initialize) by {@code caller}: only they may use it. */
  void opened(String id, Caller caller) {
    owners.putIfAbsent(id, new Owner(caller));
  }

  /** Whether the MCP session {@code id} was opened by an identity other than {@code caller}'s. */
  boolean belongsToAnother(String id, Caller caller) {
    Owner owner = owners.get(id);
    if (owner == null) {
      return false;
    }
    owner.lastSeen = System.nanoTime();
    return !owner.caller.sameIdentity(caller);
  }

  /**
   * The client ended the MCP session {@code id}: its wire sessions end now (the trail records their
   * ends), not when the idle sweep finds them.
   */
  void ended(String id) {
    owners.remove(id);
    AgentSession session = sessions.remove(id);
    if (session != null) {
      session.close();
    }
  }

  /** The application name Warden records for an MCP client: its name and version, sanitised. */
  private static String application(String client) {
    String name = client == null || client.isBlank() ? "unknown client" : client;
    name = name.replaceAll("[^\\p{Alnum} ._/@:+-]", "_");
    if (name.length() > 48) {
      name = name.substring(0, 48);
    }
    return CredentialShapes.redactName("mcp: " + name);
  }

  /** A scheduler of the door's own (the kernel sessions that only preview need one). */
  ScheduledExecutorService scheduler() {
    return sweeper;
  }

  void rememberAsked(String requestId, Asked statement) {
    asked.put(requestId, statement);
  }

  Asked asked(String requestId) {
    return asked.get(requestId);
  }

  void forgetAsked(String requestId) {
    asked.remove(requestId);
  }

  private void sweep() {
    long now = System.nanoTime();
    sessions
        .entrySet()
        .removeIf(
            e -> {
              if (now - e.getValue().lastUsed > IDLE.toNanos()) {
                e.getValue().close();
                return true;
              }
              return false;
            });
    owners.values().removeIf(o -> now - o.lastSeen > IDLE.toNanos());
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
    sessions.values().forEach(AgentSession::close);
    sessions.clear();
    owners.clear();
  }

  /** One MCP session: its owner and its wire sessions, by connection and mode. */
  final class AgentSession {
    final Caller owner;
    final String application;
    volatile long lastUsed = System.nanoTime();
    private final Map<String, java.sql.Connection> open = new HashMap<>();

    AgentSession(Caller owner, String application) {
      this.owner = owner;
      this.application = application;
    }

    /**
     * The wire session on {@code connection} for reads ({@code readOnly}) or for anything the
     * policy allows, opened with {@code caller}'s current token when there is none or it ended.
     */
    synchronized java.sql.Connection connection(
        Connection connection, boolean readOnly, Caller caller) throws SQLException {
      lastUsed = System.nanoTime();
      String key = connection.name() + (readOnly ? ":read" : ":write");
      java.sql.Connection c = open.get(key);
      if (c != null && !c.isClosed()) {
        return c;
      }
      c = login(connection, readOnly, caller);
      open.put(key, c);
      return c;
    }

    /** Drops a wire session that failed (the next call opens a new one). */
    synchronized void broken(java.sql.Connection c) {
      open.values().remove(c);
      try {
        c.close();
      } catch (SQLException ignored) {
        // already gone
      }
    }

    private java.sql.Connection login(Connection connection, boolean readOnly, Caller caller)
        throws SQLException {
      if (connection.mysql() && mysqlPort.getAsInt() < 0) {
        throw new SQLException(
            "connection \""
                + connection.name()
                + "\" is a MySQL database, and this gateway has no MySQL door (listen.mysql)",
            "0A000");
      }
      String ticket =
          server
              .handoffs()
              .issue(
                  new Handoffs.Handoff(
                      caller.address(), "mcp", application, new SessionOptions(readOnly, true)));
      Properties props = new Properties();
      props.setProperty("user", "mcp");
      props.setProperty("password", caller.token());
      if (connection.mysql()) {
        // Loopback to this gateway's own MySQL door, the ticket as a connection attribute.
        props.setProperty("sslMode", "trust");
        props.setProperty("connectionAttributes", "warden_handoff:" + ticket);
        props.setProperty("connectTimeout", "10000");
        return new org.mariadb.jdbc.Driver()
            .connect(
                "jdbc:mariadb://127.0.0.1:" + mysqlPort.getAsInt() + "/" + connection.name(),
                props);
      }
      // Loopback to this gateway's own PostgreSQL door: encrypted; it is this process.
      props.setProperty("sslmode", "require");
      props.setProperty("ApplicationName", Handoffs.APPLICATION_PREFIX + ticket);
      // In the startup message (pgJDBC sends it there only for a server it may assume is 9.0+),
      // where the door redeems the ticket; never a SET after the session started.
      props.setProperty("assumeMinServerVersion", "10");
      // The whole text as one Query message: the kernel decides a string of several statements as
      // a whole, never a driver's split of it.
      props.setProperty("preferQueryMode", "simple");
      props.setProperty("connectTimeout", "10");
      String url =
          "jdbc:postgresql://127.0.0.1:" + postgresPort.getAsInt() + "/" + connection.name();
      return new org.postgresql.Driver().connect(url, props);
    }

    synchronized void close() {
      List<java.sql.Connection> all = new ArrayList<>(open.values());
      open.clear();
      for (java.sql.Connection c : all) {
        try {
          c.close();
        } catch (SQLException e) {
          LOG.debug("closing an MCP wire session: {}", e.getMessage());
        }
      }
    }
  }
}
