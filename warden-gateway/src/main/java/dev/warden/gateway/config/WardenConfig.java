package dev.warden.gateway.config;

import dev.warden.core.identity.RoleRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The whole gateway configuration. Defaults are pinned by {@code ConfigLoaderTest}. */
public record WardenConfig(
    Listener postgres,
    Listener mysql,
    Mcp mcp,
    Console console,
    Listener admin,
    int workerThreads,
    Path dataDir,
    Tls tls,
    Limits limits,
    Map<String, Connection> connections,
    List<ServiceKeyIdentity> serviceKeys,
    List<OidcIssuerSettings> oidcIssuers,
    Duration sessionExpiryGrace,
    List<RoleRule> roles,
    PolicySource policy,
    Audit audit,
    Approvals approvals,
    Agents agents) {

  public WardenConfig {
    connections = Map.copyOf(connections);
    serviceKeys = List.copyOf(serviceKeys);
    oidcIssuers = List.copyOf(oidcIssuers);
    roles = List.copyOf(roles);
  }

  /** Event-loop threads for client and database connections; 0 means one per CPU core. */
  public int effectiveWorkerThreads() {
    return workerThreads > 0 ? workerThreads : Runtime.getRuntime().availableProcessors();
  }

  /**
   * Where the policy comes from: a file (watched, and reloaded when it changes) or a policy written
   * inline in this configuration (not reloaded). Both null: no policy, every statement allowed.
   */
  public record PolicySource(Path file, String inline, Duration reloadInterval) {
    public static final PolicySource NONE = new PolicySource(null, null, Duration.ofSeconds(2));

    public boolean configured() {
      return file != null || inline != null;
    }
  }

  /**
   * The audit trail: {@code store} is {@code sqlite} (the default: {@code dataDir/audit.db}),
   * {@code postgresql} ({@code url}, {@code user}, {@code password}) or {@code log} (the log only:
   * no tamper evidence, no write-ahead — for development). A statement waits up to {@code timeout}
   * for its record to be durable, else it is refused. Checkpoints of the chain are signed with the
   * Ed25519 key at {@code signingKey} every {@code checkpointRecords} records or {@code
   * checkpointInterval}; records older than {@code retention} are removed (zero: kept). At most
   * {@code resultRows} rows of each result are recorded. {@code sync}: {@code full} (a record is on
   * disk before its statement runs) or {@code normal} (it is in the operating system: it survives a
   * crash of the gateway, not a power loss; several times faster).
   */
  public record Audit(
      String store,
      String url,
      String user,
      Secret password,
      Duration timeout,
      Path signingKey,
      int checkpointRecords,
      Duration checkpointInterval,
      Duration retention,
      int resultRows,
      String sync) {

    /** Whether every commit of the store is flushed to disk before a statement runs. */
    public boolean fsync() {
      return !"normal".equals(sync);
    }
  }

  /**
   * Approvals of held statements: how long a request waits when its rule says nothing, and the
   * webhook that tells approvers (none when {@code webhookUrl} is null), signed with {@code
   * webhookSecret}, tried up to {@code webhookAttempts} times; a waiting client is sent a NOTICE
   * every {@code keepAlive} (it keeps idle-connection killers between client and gateway away, and
   * tells whoever watches that the statement still waits); one identity may have at most {@code
   * maxPending} requests pending at once.
   */
  public record Approvals(
      Duration defaultTimeout,
      java.net.URI webhookUrl,
      Secret webhookSecret,
      int webhookAttempts,
      Duration keepAlive,
      int maxPending) {
    public static final Approvals DEFAULT =
        new Approvals(Duration.ofMinutes(15), null, null, 5, Duration.ofSeconds(30), 20);
  }

  /**
   * The MCP door (null when {@code listen.mcp} is not configured): where it listens (HTTPS), the
   * browser origins it accepts besides none (a request with another {@code Origin} is refused), the
   * caps on each tool result, and how many tool calls one identity may have under way at once and
   * make in a minute.
   */
  public record Mcp(
      Listener listener,
      List<String> allowedOrigins,
      int maxRows,
      int maxResultBytes,
      int maxConcurrentCalls,
      int callsPerMinute) {
    public Mcp {
      allowedOrigins = List.copyOf(allowedOrigins);
    }
  }

  /**
   * The web console on the admin listener (null when not configured): people sign in with the
   * organisation's OIDC issuer (authorization code with PKCE) as client {@code clientId}, whose ID
   * tokens carry it as audience (it must be one of the issuer's accepted audiences).
   */
  public record Console(String issuer, String clientId) {}

  /** A listening address; port 0 picks a free port. ({@code mysql}: null when not configured.) */
  public record Listener(String host, int port) {}

  /**
   * TLS towards clients: a configured certificate and key (PEM), or, when both are absent, a
   * development CA and certificate generated once and kept under {@code dataDir/tls}; {@code
   * admin}: the admin listener (API and console) serves HTTPS with the same certificate.
   */
  public record Tls(
      Path certificate, Path privateKey, boolean allowPlaintextOnLoopback, boolean admin) {
    public Tls(Path certificate, Path privateKey, boolean allowPlaintextOnLoopback) {
      this(certificate, privateKey, allowPlaintextOnLoopback, false);
    }
  }

  /**
   * Protective limits.
   *
   * @param maxClientConnections sessions (authenticated clients) at once
   * @param maxStartingConnections connections accepted but not yet sessions (TLS handshake,
   *     startup, authentication), over all sources: counted apart from sessions, so that a flood of
   *     half-open connections cannot take the sessions' places
   * @param maxStartingPerAddress of those, from one source address
   * @param firstByteTimeout how long a new connection may stay silent before it is dropped
   * @param drainTimeout on SIGTERM, how long running statements may take to finish while new
   *     sessions are refused, before the gateway stops
   * @param agentKeepalive after this long with nothing from an agent, the gateway PINGs it; after
   *     three such intervals it drops the link
   */
  public record Limits(
      int maxMessageBytes,
      int maxClientConnections,
      int maxStartingConnections,
      int maxStartingPerAddress,
      Duration firstByteTimeout,
      Duration startupTimeout,
      Duration idleTimeout,
      Duration backendConnectTimeout,
      Duration drainTimeout,
      Duration agentKeepalive) {}

  /**
   * A registered database; clients select it by name as their database. {@code protocol}: {@code
   * postgresql} or {@code mysql} (MySQL and MariaDB): which door serves it.
   */
  public record Connection(
      String name,
      String protocol,
      String host,
      int port,
      String database,
      String user,
      Secret password,
      BackendTls tls,
      String agent) {
    public static final String POSTGRESQL = "postgresql";
    public static final String MYSQL = "mysql";

    public boolean mysql() {
      return MYSQL.equals(protocol);
    }

    /** Whether the database is reached through a {@code warden agent} ({@code agent: NAME}). */
    public boolean viaAgent() {
      return agent != null;
    }
  }

  /**
   * Agents beside databases the gateway cannot reach: {@code listen.agents} where they dial in
   * (TLS, HTTP/2), and each agent's name and key hash. {@link #NONE} when not configured.
   */
  public record Agents(Listener listen, List<AgentKey> keys) {
    public static final Agents NONE = new Agents(null, List.of());

    public Agents {
      keys = List.copyOf(keys);
    }
  }

  /** One agent: its name (what a connection's {@code agent:} names) and its key's hash. */
  public record AgentKey(String name, String keyHash) {}

  /** TLS towards the database. */
  public record BackendTls(BackendTlsMode mode, Path ca) {}

  /** How the gateway protects its connection to the database. */
  public enum BackendTlsMode {
    DISABLE,
    REQUIRE,
    VERIFY_FULL
  }

  /** A static service key: the stored hash, the identity it stands for, its connections. */
  public record ServiceKeyIdentity(
      String subject, List<String> groups, String keyHash, List<String> connections) {
    public ServiceKeyIdentity {
      groups = List.copyOf(groups);
      connections = List.copyOf(connections);
    }
  }
}
