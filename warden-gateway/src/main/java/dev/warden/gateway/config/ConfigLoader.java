package dev.warden.gateway.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warden.core.identity.RoleRule;
import dev.warden.core.identity.ServiceKey;
import dev.warden.gateway.config.WardenConfig.BackendTls;
import dev.warden.gateway.config.WardenConfig.BackendTlsMode;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.gateway.config.WardenConfig.Limits;
import dev.warden.gateway.config.WardenConfig.Listener;
import dev.warden.gateway.config.WardenConfig.Mcp;
import dev.warden.gateway.config.WardenConfig.PolicySource;
import dev.warden.gateway.config.WardenConfig.ServiceKeyIdentity;
import dev.warden.gateway.config.WardenConfig.Tls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Reads a JSON or YAML configuration file into a validated {@link WardenConfig}. */
public final class ConfigLoader {
  public static final int DEFAULT_POSTGRES_PORT = 15432;
  public static final int DEFAULT_ADMIN_PORT = 8080;
  public static final int DEFAULT_MYSQL_PORT = 3307;
  public static final int DEFAULT_MCP_PORT = 8443;
  public static final int DEFAULT_AGENTS_PORT = 7443;
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  public static final int DEFAULT_MAX_CLIENT_CONNECTIONS = 1000;
  public static final int DEFAULT_MAX_STARTING_CONNECTIONS = 256;
  public static final int DEFAULT_MAX_STARTING_PER_ADDRESS = 32;
  public static final Duration DEFAULT_FIRST_BYTE_TIMEOUT = Duration.ofSeconds(3);
  public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(1);
  public static final Duration DEFAULT_BACKEND_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final Function<String, String> environment;

  public ConfigLoader(Function<String, String> environment) {
    this.environment = environment;
  }

  public WardenConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    Path base = file.toAbsolutePath().getParent();
    return parse(text, yaml, base);
  }

  /** Parses configuration text; relative paths resolve against {@code base}. */
  public WardenConfig parse(String text, boolean yaml, Path base) {
    JsonNode tree;
    try {
      tree = (yaml ? new ObjectMapper(new YAMLFactory()) : new ObjectMapper()).readTree(text);
    } catch (JacksonException e) {
      throw new ConfigException(
          "configuration is not valid " + (yaml ? "YAML" : "JSON") + ": " + e.getOriginalMessage());
    }
    ConfigNode root = new ConfigNode("", tree, environment);
    if (root.isMissing()) {
      throw new ConfigException("configuration is empty");
    }
    root.onlyKeys(
        Set.of(
            "listen",
            "dataDir",
            "tls",
            "limits",
            "connections",
            "identities",
            "policy",
            "audit",
            "approvals",
            "mcp",
            "console",
            "agents"));
    ConfigNode policyNode =
        root.child("policy").onlyKeys(Set.of("file", "inline", "reloadInterval"));
    Path policyFile = policyNode.child("file").pathValue(base);
    String inlinePolicy = policyNode.child("inline").jsonText();
    if (policyFile != null && inlinePolicy != null) {
      throw policyNode.error("has both file and inline; choose one");
    }
    PolicySource policy =
        new PolicySource(
            policyFile,
            inlinePolicy,
            positive(policyNode.child("reloadInterval"), PolicySource.NONE.reloadInterval()));

    ConfigNode listen =
        root.child("listen")
            .onlyKeys(Set.of("postgres", "mysql", "mcp", "admin", "agents", "workerThreads"));
    int workerThreads = listen.child("workerThreads").integer(0, 0, 1024);
    Listener postgres = listener(listen.child("postgres"), DEFAULT_POSTGRES_PORT);
    Listener admin = listener(listen.child("admin"), DEFAULT_ADMIN_PORT);
    // The MySQL door listens only when configured.
    Listener mysql =
        !listen.child("mysql").isMissing()
            ? listener(listen.child("mysql"), DEFAULT_MYSQL_PORT)
            : null;

    // The MCP door too: listen.mcp, and its settings under mcp.
    ConfigNode mcpNode =
        root.child("mcp")
            .onlyKeys(
                Set.of(
                    "allowedOrigins",
                    "maxRows",
                    "maxResultBytes",
                    "maxConcurrentCalls",
                    "callsPerMinute"));
    Mcp mcp =
        !listen.child("mcp").isMissing()
            ? new Mcp(
                listener(listen.child("mcp"), DEFAULT_MCP_PORT),
                mcpNode.child("allowedOrigins").stringList(List.of()),
                mcpNode.child("maxRows").integer(1000, 1, 100_000),
                mcpNode.child("maxResultBytes").bytes(1 << 20, 1024, 64 << 20),
                mcpNode.child("maxConcurrentCalls").integer(4, 1, 1000),
                mcpNode.child("callsPerMinute").integer(120, 1, 1_000_000))
            : null;

    ConfigNode consoleNode = root.child("console").onlyKeys(Set.of("issuer", "clientId"));
    WardenConfig.Console console =
        consoleNode.isMissing()
            ? null
            : new WardenConfig.Console(
                consoleNode.child("issuer").requiredString(),
                consoleNode.child("clientId").requiredString());

    Path dataDir = root.child("dataDir").pathValue(base);
    if (dataDir == null) {
      dataDir = (base == null ? Path.of("warden-data") : base.resolve("warden-data")).normalize();
    }

    ConfigNode tlsNode =
        root.child("tls")
            .onlyKeys(Set.of("certificate", "privateKey", "allowPlaintextOnLoopback", "admin"));
    Path certificate = tlsNode.child("certificate").pathValue(base);
    Path privateKey = tlsNode.child("privateKey").pathValue(base);
    if ((certificate == null) != (privateKey == null)) {
      throw tlsNode.error(
          "needs both certificate and privateKey, or neither (for a generated development certificate)");
    }
    Tls tls =
        new Tls(
            certificate,
            privateKey,
            tlsNode.child("allowPlaintextOnLoopback").bool(false),
            tlsNode.child("admin").bool(false));

    ConfigNode limitsNode =
        root.child("limits")
            .onlyKeys(
                Set.of(
                    "maxMessageBytes",
                    "maxClientConnections",
                    "maxStartingConnections",
                    "maxStartingPerAddress",
                    "firstByteTimeout",
                    "startupTimeout",
                    "idleTimeout",
                    "backendConnectTimeout",
                    "drainTimeout",
                    "agentKeepalive"));
    Limits limits =
        new Limits(
            limitsNode
                .child("maxMessageBytes")
                .bytes(DEFAULT_MAX_MESSAGE_BYTES, 8192, Integer.MAX_VALUE - 8),
            limitsNode
                .child("maxClientConnections")
                .integer(DEFAULT_MAX_CLIENT_CONNECTIONS, 1, 1_000_000),
            limitsNode
                .child("maxStartingConnections")
                .integer(DEFAULT_MAX_STARTING_CONNECTIONS, 1, 1_000_000),
            limitsNode
                .child("maxStartingPerAddress")
                .integer(DEFAULT_MAX_STARTING_PER_ADDRESS, 1, 1_000_000),
            positive(limitsNode.child("firstByteTimeout"), DEFAULT_FIRST_BYTE_TIMEOUT),
            positive(limitsNode.child("startupTimeout"), DEFAULT_STARTUP_TIMEOUT),
            limitsNode.child("idleTimeout").duration(DEFAULT_IDLE_TIMEOUT),
            positive(limitsNode.child("backendConnectTimeout"), DEFAULT_BACKEND_CONNECT_TIMEOUT),
            limitsNode.child("drainTimeout").duration(Duration.ofSeconds(30)),
            positive(limitsNode.child("agentKeepalive"), Duration.ofSeconds(15)));

    Map<String, Connection> connections = new LinkedHashMap<>();
    root.child("connections")
        .entries()
        .forEach((name, node) -> connections.put(name, connection(name, node, base)));

    ConfigNode identities =
        root.child("identities").onlyKeys(Set.of("serviceKeys", "oidc", "roles"));
    List<ServiceKeyIdentity> serviceKeys = new ArrayList<>();
    for (ConfigNode item : identities.child("serviceKeys").items()) {
      serviceKeys.add(serviceKey(item, connections.keySet()));
    }
    ConfigNode oidc = identities.child("oidc").onlyKeys(Set.of("issuers", "sessionExpiryGrace"));
    List<OidcIssuerSettings> issuers = new ArrayList<>();
    for (ConfigNode item : oidc.child("issuers").items()) {
      issuers.add(issuer(item));
    }
    Duration grace = oidc.child("sessionExpiryGrace").duration(Duration.ZERO);
    List<RoleRule> roles = new ArrayList<>();
    for (ConfigNode item : identities.child("roles").items()) {
      roles.add(role(item, connections.keySet()));
    }
    ConfigNode auditNode =
        root.child("audit")
            .onlyKeys(
                Set.of(
                    "store",
                    "url",
                    "user",
                    "password",
                    "timeout",
                    "signingKey",
                    "checkpointRecords",
                    "checkpointInterval",
                    "retention",
                    "resultRows",
                    "sync"));
    String store = auditNode.child("store").string("sqlite");
    if (!Set.of("sqlite", "postgresql", "log").contains(store)) {
      throw auditNode.child("store").error("must be sqlite, postgresql or log");
    }
    String auditUrl = auditNode.child("url").string(null);
    if (store.equals("postgresql")
        && (auditUrl == null || !auditUrl.startsWith("jdbc:postgresql:"))) {
      throw auditNode.child("url").error("must be a jdbc:postgresql: URL for store postgresql");
    }
    String sync = auditNode.child("sync").string("full");
    if (!Set.of("full", "normal").contains(sync)) {
      throw auditNode.child("sync").error("must be full or normal");
    }
    String auditPassword = auditNode.child("password").string(null);
    Path signingKey = auditNode.child("signingKey").pathValue(base);
    WardenConfig.Audit audit =
        new WardenConfig.Audit(
            store,
            auditUrl,
            auditNode.child("user").string(null),
            auditPassword == null ? null : new Secret(auditPassword),
            positive(auditNode.child("timeout"), Duration.ofSeconds(5)),
            signingKey == null ? dataDir.resolve("audit-signing.key") : signingKey,
            auditNode.child("checkpointRecords").integer(1000, 1, 100_000_000),
            positive(auditNode.child("checkpointInterval"), Duration.ofSeconds(10)),
            auditNode.child("retention").duration(Duration.ZERO),
            auditNode.child("resultRows").integer(100, 0, 100_000),
            sync);
    ConfigNode approvalsNode =
        root.child("approvals")
            .onlyKeys(Set.of("defaultTimeout", "webhook", "keepAlive", "maxPending"));
    ConfigNode webhook =
        approvalsNode.child("webhook").onlyKeys(Set.of("url", "secret", "maxAttempts"));
    String webhookUrl = webhook.child("url").string(null);
    String webhookSecret = webhook.child("secret").string(null);
    if (webhookUrl != null && (webhookSecret == null || webhookSecret.length() < 16)) {
      throw webhook.child("secret").error("is required with a webhook url: 16 characters or more");
    }
    java.net.URI webhookUri = null;
    if (webhookUrl != null) {
      try {
        webhookUri = java.net.URI.create(webhookUrl);
      } catch (IllegalArgumentException e) {
        throw webhook.child("url").error("is not a URL");
      }
      if (!"https".equals(webhookUri.getScheme())
          && !("http".equals(webhookUri.getScheme())
              && ("127.0.0.1".equals(webhookUri.getHost())
                  || "localhost".equals(webhookUri.getHost())))) {
        throw webhook.child("url").error("must be https (plain http only on loopback)");
      }
    }
    WardenConfig.Approvals approvals =
        new WardenConfig.Approvals(
            positive(approvalsNode.child("defaultTimeout"), Duration.ofMinutes(15)),
            webhookUri,
            webhookSecret == null ? null : new Secret(webhookSecret),
            webhook.child("maxAttempts").integer(5, 1, 100),
            positive(approvalsNode.child("keepAlive"), Duration.ofSeconds(30)),
            approvalsNode.child("maxPending").integer(20, 1, 10_000));
    return new WardenConfig(
        postgres,
        mysql,
        mcp,
        console,
        admin,
        workerThreads,
        dataDir,
        tls,
        limits,
        connections,
        serviceKeys,
        issuers,
        grace,
        roles,
        policy,
        audit,
        approvals,
        agents(root.child("agents"), listen.child("agents"), connections));
  }

  /**
   * {@code agents:} (name and key hash of each) and {@code listen.agents}; every connection's
   * {@code agent:} must name one of them.
   */
  private static WardenConfig.Agents agents(
      ConfigNode node, ConfigNode listenNode, Map<String, Connection> connections) {
    List<WardenConfig.AgentKey> keys = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode entry : node.items()) {
      entry.onlyKeys(Set.of("name", "keyHash"));
      String name = entry.child("name").requiredString();
      if (!name.matches("[A-Za-z0-9_.-]{1,63}") || !names.add(name)) {
        throw entry.child("name").error("must be a unique name (letters, digits, _ . -)");
      }
      String keyHash = entry.child("keyHash").requiredString();
      try {
        ServiceKey.parse(keyHash);
      } catch (IllegalArgumentException e) {
        throw entry.child("keyHash").error(e.getMessage());
      }
      keys.add(new WardenConfig.AgentKey(name, keyHash));
    }
    for (Connection c : connections.values()) {
      if (c.viaAgent() && !names.contains(c.agent())) {
        throw new ConfigException(
            "configuration key 'connections."
                + c.name()
                + ".agent' names agent '"
                + c.agent()
                + "', which is not under agents:");
      }
    }
    if (listenNode.isMissing()) {
      if (!keys.isEmpty()) {
        throw listenNode.error("is required when agents are configured (where they dial in)");
      }
      return WardenConfig.Agents.NONE;
    }
    return new WardenConfig.Agents(listener(listenNode, DEFAULT_AGENTS_PORT), keys);
  }

  private static Duration positive(ConfigNode node, Duration defaultValue) {
    Duration value = node.duration(defaultValue);
    if (value.isZero()) {
      throw node.error("must be greater than zero");
    }
    return value;
  }

  private static Listener listener(ConfigNode node, int defaultPort) {
    node.onlyKeys(Set.of("host", "port"));
    return new Listener(
        node.child("host").string(DEFAULT_HOST), node.child("port").integer(defaultPort, 0, 65535));
  }

  private static Connection connection(String name, ConfigNode node, Path base) {
    node.onlyKeys(
        Set.of("protocol", "host", "port", "database", "user", "password", "tls", "agent"));
    String protocol = node.child("protocol").string(Connection.POSTGRESQL);
    if (!protocol.equals(Connection.POSTGRESQL) && !protocol.equals(Connection.MYSQL)) {
      throw node.child("protocol").error("must be postgresql or mysql, not '" + protocol + "'");
    }
    if (!name.matches("[A-Za-z0-9_.-]{1,63}")) {
      throw node.error("is not a valid connection name (letters, digits, _ . -, at most 63)");
    }
    ConfigNode tlsNode = node.child("tls").onlyKeys(Set.of("mode", "ca"));
    String modeText = tlsNode.child("mode").string("disable");
    BackendTlsMode mode =
        switch (modeText.toLowerCase(Locale.ROOT)) {
          case "disable" -> BackendTlsMode.DISABLE;
          case "require" -> BackendTlsMode.REQUIRE;
          case "verify-full" -> BackendTlsMode.VERIFY_FULL;
          default ->
              throw tlsNode
                  .child("mode")
                  .error("must be disable, require or verify-full, not '" + modeText + "'");
        };
    Path ca = tlsNode.child("ca").pathValue(base);
    if (mode == BackendTlsMode.VERIFY_FULL && ca == null) {
      throw tlsNode.child("ca").error("is required when mode is verify-full");
    }
    String password = node.child("password").string(null);
    return new Connection(
        name,
        protocol,
        node.child("host").requiredString(),
        node.child("port").integer(protocol.equals(Connection.MYSQL) ? 3306 : 5432, 1, 65535),
        node.child("database").string(name),
        node.child("user").requiredString(),
        password == null ? null : new Secret(password),
        new BackendTls(mode, ca),
        node.child("agent").string(null));
  }

  private static OidcIssuerSettings issuer(ConfigNode node) {
    node.onlyKeys(
        Set.of(
            "issuer",
            "audiences",
            "jwksUri",
            "algorithms",
            "clockSkew",
            "subjectClaim",
            "groupsClaim",
            "jwksRefreshInterval",
            "jwksMinRefreshInterval"));
    String issuer = node.child("issuer").requiredString();
    List<String> audiences = node.child("audiences").stringList(List.of());
    if (audiences.isEmpty()) {
      throw node.child("audiences").error("must name at least one audience (e.g. [warden])");
    }
    String jwks = node.child("jwksUri").string(null);
    Set<String> algorithms = new java.util.HashSet<>();
    for (String name : node.child("algorithms").stringList(OidcIssuerSettings.DEFAULT_ALGORITHMS)) {
      String algorithm = name;
      if (!OidcIssuerSettings.ALGORITHMS.contains(algorithm)) {
        throw node.child("algorithms")
            .error(
                "names "
                    + name
                    + ", which is not allowed (RS256…RS512, PS256…PS512, ES256…ES512, EdDSA; never none or HMAC)");
      }
      algorithms.add(algorithm);
    }
    try {
      return new OidcIssuerSettings(
          issuer,
          Set.copyOf(audiences),
          jwks == null ? null : java.net.URI.create(jwks),
          algorithms,
          node.child("clockSkew").duration(Duration.ofSeconds(60)),
          node.child("subjectClaim").string("sub"),
          node.child("groupsClaim").string("groups"),
          positive(node.child("jwksRefreshInterval"), Duration.ofMinutes(5)),
          node.child("jwksMinRefreshInterval").duration(Duration.ofSeconds(30)));
    } catch (IllegalArgumentException e) {
      throw node.error(e.getMessage());
    }
  }

  private static RoleRule role(ConfigNode node, Set<String> connectionNames) {
    node.onlyKeys(Set.of("role", "match", "connections", "permissions"));
    ConfigNode match =
        node.child("match").onlyKeys(Set.of("issuer", "subject", "groups", "claims"));
    Map<String, String> claims = new LinkedHashMap<>();
    match
        .child("claims")
        .entries()
        .forEach((path, value) -> claims.put(path, value.requiredString()));
    List<String> connections = node.child("connections").stringList(List.of());
    for (String c : connections) {
      if (!c.equals("*") && !connectionNames.contains(c)) {
        throw node.child("connections")
            .error("names connection '" + c + "', which is not registered under connections");
      }
    }
    return new RoleRule(
        node.child("role").requiredString(),
        match.child("issuer").string(null),
        match.child("subject").string(null),
        Set.copyOf(match.child("groups").stringList(List.of())),
        claims,
        Set.copyOf(connections),
        Set.copyOf(node.child("permissions").stringList(List.of())));
  }

  private static ServiceKeyIdentity serviceKey(ConfigNode node, Set<String> connectionNames) {
    node.onlyKeys(Set.of("subject", "groups", "keyHash", "connections"));
    String keyHash = node.child("keyHash").requiredString();
    try {
      ServiceKey.parse(keyHash);
    } catch (IllegalArgumentException e) {
      throw node.child("keyHash").error(e.getMessage() + " (make one with: warden keys new)");
    }
    List<String> connections = node.child("connections").stringList(List.of());
    for (String c : connections) {
      if (!c.equals("*") && !connectionNames.contains(c)) {
        throw node.child("connections")
            .error("names connection '" + c + "', which is not registered under connections");
      }
    }
    return new ServiceKeyIdentity(
        node.child("subject").requiredString(),
        node.child("groups").stringList(List.of()),
        keyHash,
        connections);
  }
}
