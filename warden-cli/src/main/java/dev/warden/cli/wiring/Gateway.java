package dev.warden.cli.wiring;

import dev.warden.admin.AdminServer;
import dev.warden.core.admission.AdmissionControl;
import dev.warden.core.admission.AdmissionSettings;
import dev.warden.core.approval.ApprovalStore;
import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.GrantStore;
import dev.warden.core.approval.Grants;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.audit.Slf4jAuditLog;
import dev.warden.core.policy.AllowAllPolicy;
import dev.warden.core.policy.PolicyException;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.policy.PolicyVersions;
import dev.warden.core.session.StatementPipeline;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.UnanalyzedSqlAnalyzer;
import dev.warden.frontend.mcp.McpDoor;
import dev.warden.frontend.mysql.MysqlDoor;
import dev.warden.frontend.postgres.PostgresDoor;
import dev.warden.gateway.BackendDialer;
import dev.warden.gateway.DatabaseCatalogs;
import dev.warden.gateway.GatewayMetrics;
import dev.warden.gateway.Handoffs;
import dev.warden.gateway.PolicyReloader;
import dev.warden.gateway.PortInUseException;
import dev.warden.gateway.Server;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.SessionRegistry;
import dev.warden.gateway.Transport;
import dev.warden.gateway.WebhookNotifier;
import dev.warden.gateway.agent.AgentHub;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.gateway.tls.TlsContexts;
import dev.warden.sql.mysql.CachingMysqlAnalyzer;
import dev.warden.sql.mysql.MysqlAnalyzer;
import dev.warden.sql.mysql.MysqlFunctions;
import dev.warden.sql.postgres.CachingAnalyzer;
import dev.warden.sql.postgres.PgQuery;
import dev.warden.store.AuditJournal;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.JdbcApprovalStore;
import dev.warden.store.JdbcGrantStore;
import dev.warden.store.StoreAuditLog;
import dev.warden.store.StoreUnavailableException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway, assembled from its configuration — the composition root: the audit trail, the
 * policy and analyzer, identities, approvals and grants, the protocol-neutral server with its front
 * doors (PostgreSQL), and the admin listener. Close to stop it.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final ServerContext context;
  private final Server server;
  private final AdminServer admin;
  private final Identities identities;
  private final PolicyReloader reloader;

  private Gateway(
      ServerContext context,
      Server server,
      AdminServer admin,
      Identities identities,
      PolicyReloader reloader) {
    this.identities = identities;
    this.reloader = reloader;
    this.context = context;
    this.server = server;
    this.admin = admin;
  }

  /**
   * Starts a gateway from its configuration. With {@code policy.file}, every statement is parsed by
   * PostgreSQL's grammar and decided by the policy; without one, every statement is allowed (and
   * the log says so).
   */
  public static Gateway start(WardenConfig config) throws IOException {
    AuditLog audit = auditLog(config);
    try {
      return start(
          config,
          Identities.of(config, Clock.systemUTC()),
          pipeline(config, audit),
          new SecureRandom());
    } catch (IOException | RuntimeException e) {
      closeAudit(audit);
      throw e;
    }
  }

  /**
   * The audit trail the configuration asks for: the store (SQLite in the data directory, or
   * PostgreSQL), hash-chained and write-ahead, or the log only.
   */
  public static AuditLog auditLog(WardenConfig config) throws IOException {
    WardenConfig.Audit audit = config.audit();
    if (audit.store().equals("log")) {
      LOG.warn(
          "audit.store is log: statements are logged, not recorded in a tamper-evident store, and"
              + " do not wait for their record");
      return new Slf4jAuditLog();
    }
    AuditStore store;
    try {
      store =
          audit.store().equals("postgresql")
              ? AuditStore.postgresql(
                  audit.url(),
                  audit.user(),
                  audit.password() == null ? null : audit.password().value(),
                  audit.fsync())
              : AuditStore.sqlite(config.dataDir().resolve("audit.db"), audit.fsync());
    } catch (StoreUnavailableException e) {
      throw new IOException(e.getMessage(), e);
    }
    AuditKeys keys = AuditKeys.loadOrCreate(audit.signingKey());
    LOG.info(
        "audit trail in {} (write-ahead{}, hash-chained; checkpoints signed with key {})",
        store.description(),
        audit.fsync() ? "" : ", sync normal: records survive a gateway crash, not a power loss",
        keys.keyId());
    // The embedded store is made durable through its journal (one fsync per batch, SQLite commits
    // per thousands of records); PostgreSQL commits each batch itself.
    AuditJournal journal =
        store.dialect() == AuditStore.Dialect.SQLITE
            ? AuditJournal.open(
                AuditJournal.beside(config.dataDir().resolve("audit.db")), audit.fsync())
            : null;
    return new StoreAuditLog(
        store,
        keys,
        Clock.systemUTC(),
        audit.checkpointRecords(),
        audit.checkpointInterval(),
        new Slf4jAuditLog(),
        journal);
  }

  /** Held statements wait for approvals kept in the audit store (in memory without one). */
  private static Approvals approvals(
      AuditLog audit,
      WardenConfig.Approvals config,
      ScheduledExecutorService timer,
      String instance)
      throws IOException {
    ApprovalStore store =
        audit instanceof StoreAuditLog log
            ? new JdbcApprovalStore(log.store())
            : new ApprovalStore.InMemory();
    var approvals =
        new Approvals(
            store,
            audit,
            Clock.systemUTC(),
            timer,
            config.defaultTimeout(),
            config.maxPending(),
            instance);
    if (audit instanceof StoreAuditLog) {
      // Another gateway sharing the store may decide a request a session here waits for.
      approvals.pollStore(Duration.ofSeconds(1));
    }
    try {
      int cancelled = approvals.recover();
      if (cancelled > 0) {
        LOG.warn(
            "{} approval request(s) whose sessions waited in the previous run are cancelled: those"
                + " sessions ended with it, their statements never ran",
            cancelled);
      }
    } catch (Exception e) {
      throw new IOException("cannot read the pending approval requests: " + e.getMessage(), e);
    }
    if (config.webhookUrl() != null) {
      WebhookNotifier notifier =
          new WebhookNotifier(
              config.webhookUrl(),
              config.webhookSecret().value(),
              config.webhookAttempts(),
              Duration.ofSeconds(1),
              approvals);
      approvals.onRequested(notifier::notify);
    }
    return approvals;
  }

  /**
   * Just-in-time grants, kept in the audit store (in memory without one); read again every few
   * seconds, so grants made or revoked through another gateway sharing the store apply here too.
   */
  private static Grants grants(AuditLog audit, ScheduledExecutorService timer) throws IOException {
    Grants grants;
    try {
      grants =
          new Grants(
              audit instanceof StoreAuditLog log
                  ? new JdbcGrantStore(log.store())
                  : new GrantStore.InMemory(),
              audit,
              Clock.systemUTC());
    } catch (Exception e) {
      throw new IOException("cannot read the just-in-time grants: " + e.getMessage(), e);
    }
    if (audit instanceof StoreAuditLog) {
      timer.scheduleWithFixedDelay(
          () -> {
            try {
              grants.refresh();
            } catch (Exception e) {
              LOG.debug("grants not re-read: {}", e.getMessage());
            }
          },
          GRANTS_REFRESH.toMillis(),
          GRANTS_REFRESH.toMillis(),
          TimeUnit.MILLISECONDS);
    }
    return grants;
  }

  /** How often grants are read again from a shared store. */
  static final Duration GRANTS_REFRESH = Duration.ofSeconds(3);

  private static void closeAudit(AuditLog audit) {
    if (audit instanceof StoreAuditLog log) {
      log.close();
      log.store().close();
    }
  }

  /** The statement pipeline the configuration asks for. */
  public static StatementPipeline pipeline(WardenConfig config, AuditLog audit) throws IOException {
    WardenConfig.PolicySource source = config.policy();
    if (!source.configured()) {
      LOG.warn("no policy configured (policy.file or policy.inline): every statement is allowed");
      return new StatementPipeline(
          new UnanalyzedSqlAnalyzer(), new AllowAllPolicy(), audit, Clock.systemUTC());
    }
    String origin = source.file() != null ? source.file().toString() : "policy.inline";
    PolicyVersions policy;
    try {
      String text = source.file() != null ? Files.readString(source.file()) : source.inline();
      policy =
          new PolicyVersions(
              new PolicyParser(maskTokenKey(config.dataDir())), Clock.systemUTC(), text, origin);
    } catch (PolicyException e) {
      throw new IOException("policy " + origin + ": " + e.getMessage(), e);
    }
    LOG.info("policy version 1 (sha256 {}) loaded from {}", policy.current().sha256(), origin);
    return new StatementPipeline(
        new CachingAnalyzer(PgQuery.load(), CachingAnalyzer.DEFAULT_ENTRIES),
        policy,
        audit,
        Clock.systemUTC());
  }

  /**
   * The key of {@code token} masks, kept in the data directory so a value's token stays the same
   * across restarts (joins on tokens keep working). Created once, readable by the owner only.
   */
  /**
   * This gateway's id, kept in its data directory so a restart keeps it: approval requests name the
   * gateway whose session holds them, so that after a restart it withdraws its own and no other's.
   */
  static String instanceId(Path dataDir) throws IOException {
    Path file = dataDir.resolve("gateway-id");
    if (Files.exists(file)) {
      String id = Files.readString(file).strip();
      if (!id.isEmpty()) {
        return id;
      }
    }
    Files.createDirectories(dataDir);
    String id = "gw_" + java.util.UUID.randomUUID().toString().replace("-", "");
    Path temporary = Files.createTempFile(dataDir, "gateway-id", ".tmp");
    Files.writeString(temporary, id + "\n");
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
    return id;
  }

  static byte[] maskTokenKey(Path dataDir) throws IOException {
    Path file = dataDir.resolve("mask-token.key");
    if (Files.exists(file)) {
      byte[] key = Files.readAllBytes(file);
      if (key.length < 32) {
        throw new IOException(file + " holds " + key.length + " bytes; a mask token key needs 32");
      }
      return key;
    }
    Files.createDirectories(dataDir);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path temporary = Files.createTempFile(dataDir, "mask-token", ".tmp");
    try {
      Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the data directory's own permissions protect it.
    }
    Files.write(temporary, key);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
    return key;
  }

  /**
   * What {@code /ready} checks: the listeners are up, the audit trail accepts records, and every
   * configured issuer's signing keys are cached (a token can be checked). The policy is loaded
   * before the gateway starts, or it does not start.
   */
  private static java.util.function.Supplier<Map<String, Boolean>> readiness(
      WardenConfig config, Server server, StatementPipeline pipeline, Identities identities) {
    return () -> {
      Map<String, Boolean> checks = new java.util.LinkedHashMap<>();
      checks.put("listening", server.listening());
      checks.put("audit", pipeline.audit().healthy());
      for (var issuer : config.oidcIssuers()) {
        checks.put(
            "keys of " + issuer.issuer(),
            identities.oidc() != null && identities.oidc().cachedKeys(issuer.issuer()) > 0);
      }
      return checks;
    };
  }

  /**
   * The server version a what-if reads recorded MySQL statements as (its versioned comments): a
   * current MariaDB, which runs MySQL's {@code /*!} comments and its own {@code /*M!} ones.
   */
  private static final String MYSQL_TRIAL_VERSION = "11.4.0-MariaDB";

  /** The front doors the configuration asks for: PostgreSQL always, MySQL when it listens. */
  private static List<Server.Listen> doors(
      WardenConfig config, ServerContext context, AgentHub agents) {
    List<Server.Listen> doors = new java.util.ArrayList<>();
    doors.add(
        new Server.Listen(
            new PostgresDoor(context), config.postgres().host(), config.postgres().port()));
    if (config.mysql() != null) {
      doors.add(
          new Server.Listen(
              new MysqlDoor(
                  context,
                  version -> new CachingMysqlAnalyzer(new MysqlAnalyzer(version), 10_000),
                  () -> MysqlFunctions.withBuiltins(new FunctionCatalog.Builder()),
                  MysqlAnalyzer.PARSER_MODES),
              config.mysql().host(),
              config.mysql().port()));
    }
    if (agents != null) {
      doors.add(
          new Server.Listen(
              agents.door(), config.agents().listen().host(), config.agents().listen().port()));
    }
    return doors;
  }

  /** Starts a gateway; it closes {@code identities} when it stops. */
  public static Gateway start(
      WardenConfig config, Identities identities, StatementPipeline pipeline, SecureRandom random)
      throws IOException {
    Map<String, SslContext> backendTls = new HashMap<>();
    for (WardenConfig.Connection connection : config.connections().values()) {
      SslContext tls = TlsContexts.forBackend(connection.tls());
      if (tls != null) {
        backendTls.put(connection.name(), tls);
      }
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ExecutorService blocking = Executors.newVirtualThreadPerTaskExecutor();
    // Approval expiries, the shared store's polls, grant refreshes: small, scheduled, off the
    // loops.
    var timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("warden-approvals").daemon().unstarted(r));
    GatewayMetrics metrics = new GatewayMetrics(registry);
    DatabaseCatalogs catalogs =
        new DatabaseCatalogs(
            Clock.systemUTC(), pipeline.analyzesStatements() ? pipeline::analyze : null);
    Approvals approvals =
        approvals(pipeline.audit(), config.approvals(), timer, instanceId(config.dataDir()));
    Grants grants = grants(pipeline.audit(), timer);
    // The enforcement kernel: every front door hands its statements to it.
    AdmissionControl admissions =
        new AdmissionControl(
            pipeline,
            grants,
            approvals,
            catalogs,
            blocking,
            metrics,
            new AdmissionSettings(config.audit().timeout(), config.approvals().keepAlive()));
    Transport transport = Transport.best();
    SslContext clientTls = TlsContexts.forClients(config, random);
    // Agents beside databases the gateway cannot reach dial in on listen.agents.
    AgentHub agents =
        config.agents().listen() == null
            ? null
            : new AgentHub(config, transport, clientTls, registry);
    ServerContext context =
        new ServerContext(
            config,
            clientTls,
            backendTls,
            identities,
            pipeline,
            blocking,
            metrics,
            transport,
            random,
            new SessionRegistry(),
            catalogs,
            approvals,
            grants,
            admissions,
            new Handoffs(random, Clock.systemUTC()),
            new BackendDialer(transport, agents, config.limits().backendConnectTimeout()));
    Server server = null;
    AdminServer admin = null;
    McpDoor mcp = null;
    try {
      server = Server.start(context, doors(config, context, agents));
      PolicyVersions versions = pipeline.policy() instanceof PolicyVersions v ? v : null;
      try {
        admin =
            AdminServer.start(
                config.admin().host(),
                config.admin().port(),
                server::listening,
                registry,
                identities,
                context.sessions(),
                versions,
                pipeline.audit() instanceof StoreAuditLog log ? log.store() : null,
                pipeline.audit() instanceof StoreAuditLog log
                    ? List.of(log.publicKey())
                    : List.of(),
                context.approvals(),
                context.grants(),
                pipeline.audit() instanceof StoreAuditLog log && pipeline.analyzesStatements()
                    ? new PolicyTrials(
                        log.store(),
                        config,
                        pipeline,
                        catalogs,
                        new CachingMysqlAnalyzer(new MysqlAnalyzer(MYSQL_TRIAL_VERSION), 10_000))
                    : null,
                config.console() == null
                    ? null
                    : new dev.warden.admin.ConsoleSettings(
                        config.console().issuer(), config.console().clientId()),
                config.tls().admin() ? TlsContexts.jdkForClients(config, random) : null,
                readiness(config, server, pipeline, identities));
      } catch (java.net.BindException e) {
        throw Server.bindFailure("listen.admin", config.admin().host(), config.admin().port(), e);
      }
      PolicyReloader reloader =
          versions != null && config.policy().file() != null
              ? new PolicyReloader(
                  versions,
                  config.policy().file(),
                  config.policy().reloadInterval(),
                  context.metrics(),
                  pipeline.audit())
              : null;
      if (versions != null) {
        pipeline
            .audit()
            .append(
                new AuditEvent.PolicyChanged(
                    versions.current().loadedAt(),
                    versions.current().number(),
                    versions.current().sha256(),
                    versions.current().source(),
                    null));
      }
      if (config.mcp() != null) {
        Server wire = server;
        mcp =
            McpDoor.start(
                context,
                config.mcp(),
                TlsContexts.jdkForClients(config, random),
                () -> wire.port("listen.postgres"),
                () -> config.mysql() == null ? -1 : wire.port("listen.mysql"),
                String.valueOf(Gateway.class.getPackage().getImplementationVersion()));
      }
      Gateway gateway = new Gateway(context, server, admin, identities, reloader);
      gateway.mcp = mcp;
      gateway.agents = agents;
      gateway.timer = timer;
      gateway.retention = retention(config, pipeline.audit());
      LOG.info(
          "warden listening for PostgreSQL on {} ({}, TLS by {}), admin on {}:{}",
          server.address("listen.postgres"),
          context.transport().name(),
          OpenSsl.isAvailable() ? "BoringSSL" : "the JDK",
          config.admin().host(),
          admin.port());
      return gateway;
    } catch (RuntimeException | IOException e) {
      if (mcp != null) {
        mcp.close();
      }
      if (admin != null) {
        admin.close();
      }
      if (server != null) {
        server.close();
        if (agents != null) {
          agents.close();
        }
      }
      if (agents != null) {
        agents.close();
      }
      blocking.shutdownNow();
      timer.shutdownNow();
      identities.close();
      if (e instanceof PortInUseException inUse) {
        throw inUse;
      }
      throw new IOException(
          "cannot listen on "
              + config.postgres().host()
              + ":"
              + config.postgres().port()
              + " / admin port "
              + config.admin().port()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private ScheduledExecutorService retention;

  /** The MCP door, when listen.mcp is configured. */
  private McpDoor mcp;

  private ScheduledExecutorService timer;
  private AgentHub agents;

  /** Removes records older than {@code audit.retention}, hourly (none when it is zero). */
  private static ScheduledExecutorService retention(WardenConfig config, AuditLog audit) {
    Duration keep = config.audit().retention();
    if (keep.isZero() || !(audit instanceof StoreAuditLog log)) {
      return null;
    }
    var scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("warden-audit-retention").daemon().unstarted(r));
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            int removed = log.store().removeBefore(System.currentTimeMillis() - keep.toMillis());
            if (removed > 0) {
              LOG.info("audit retention removed {} records older than {}", removed, keep);
            }
          } catch (Exception e) {
            LOG.warn("audit retention failed: {}", e.getMessage());
          }
        },
        1,
        60,
        TimeUnit.MINUTES);
    return scheduler;
  }

  public int postgresPort() {
    return server.port("listen.postgres");
  }

  public int adminPort() {
    return admin.port();
  }

  /**
   * Drains before a stop: new sessions are refused with a clear error on every wire listener (and
   * the MCP door stops), while statements already running may finish for at most {@code deadline}.
   * Returns how many were still running when it gave up (0: all finished).
   */
  public int drain(Duration deadline) throws InterruptedException {
    context.sessions().drain();
    // Statements waiting for an approval do not hold the drain up: their requests are withdrawn
    // in the store (every replica sees it) and their clients told, before the sessions close.
    context.approvals().withdrawWaiting("the gateway is shutting down");
    if (mcp != null) {
      mcp.close();
      mcp = null;
    }
    long end = System.nanoTime() + deadline.toNanos();
    int running = context.admissions().running();
    // Until nothing runs and every withdrawn wait has answered its client.
    while ((running > 0 || context.metrics().approvalsWaiting() > 0) && System.nanoTime() < end) {
      Thread.sleep(running > 0 ? 100 : 10);
      running = context.admissions().running();
    }
    LOG.info(
        "drained: {} statements still running after {} ms",
        running,
        deadline.toMillis() - Math.max(0, (end - System.nanoTime()) / 1_000_000));
    return running;
  }

  /** The MCP door's port (when listen.mcp is configured). */
  public int mcpPort() {
    return mcp.port();
  }

  /** The port agents dial into ({@code listen.agents}). */
  public int agentsPort() {
    return server.port("listen.agents");
  }

  /** The MySQL door's port (when listen.mysql is configured). */
  public int mysqlPort() {
    return server.port("listen.mysql");
  }

  public GatewayMetrics metrics() {
    return context.metrics();
  }

  /** The gateway's identities (to refresh OIDC keys, in tests). */
  public Identities identities() {
    return identities;
  }

  /** The live sessions. */
  public SessionRegistry sessions() {
    return context.sessions();
  }

  @Override
  public void close() {
    if (mcp != null) {
      mcp.close();
    }
    server.close();
    if (reloader != null) {
      reloader.close();
    }
    admin.close();
    identities.close();
    context.blockingExecutor().shutdownNow();
    if (retention != null) {
      retention.shutdownNow();
    }
    context.approvals().close();
    timer.shutdownNow();
    closeAudit(context.pipeline().audit());
  }
}
