package dev.warden.frontend.postgres;

import dev.warden.core.admission.AdmissionControl;
import dev.warden.core.admission.AdmissionMetrics;
import dev.warden.core.admission.AdmissionSettings;
import dev.warden.core.approval.ApprovalStore;
import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.GrantStore;
import dev.warden.core.approval.Grants;
import dev.warden.core.audit.AuditEvent;
import dev.warden.core.audit.AuditLog;
import dev.warden.core.identity.Identity;
import dev.warden.core.policy.DeclarativePolicyEngine;
import dev.warden.core.policy.PolicyParser;
import dev.warden.core.session.SessionContext;
import dev.warden.core.session.StatementPipeline;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.gateway.DatabaseCatalogs;
import dev.warden.gateway.GatewayMetrics;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.SessionRegistry;
import dev.warden.gateway.Transport;
import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.protocol.postgres.codec.MessageEncoder;
import dev.warden.protocol.postgres.codec.MessageFramer;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.FrontendMessage;
import dev.warden.protocol.postgres.message.ReadyForQuery.TransactionStatus;
import dev.warden.sql.postgres.CachingAnalyzer;
import dev.warden.sql.postgres.PgQuery;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL door's relay between two Netty {@link EmbeddedChannel}s — the client's and the
 * database's — with the real analyzer (libpg_query), policy engine and kernel, and a database
 * scripted by the test: what the client sends, what the relay forwards, what the database answers,
 * what the client gets. Work the kernel does off the loop runs inline, so everything happens on the
 * test's thread, in order.
 */
final class RelayHarness implements AutoCloseable {
  /** The demo's customers table, as the catalog files it (table OID 16400). */
  static final int CUSTOMERS_OID = 16400;

  final EmbeddedChannel client = new EmbeddedChannel();
  final EmbeddedChannel backend = new EmbeddedChannel();
  final RecordingLog audit = new RecordingLog();
  final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  final Approvals approvals;
  final Session session;

  RelayHarness(String policy) throws Exception {
    WardenConfig config =
        new ConfigLoader(System::getenv)
            .parse(
                """
                dataDir: /tmp/warden-relay-test
                audit: {store: log}
                connections:
                  shop: {host: 127.0.0.1, port: 5432, database: shop, user: warden}
                """,
                true,
                Path.of("."));
    StatementPipeline pipeline =
        new StatementPipeline(
            new CachingAnalyzer(PgQuery.load(), 1000),
            new DeclarativePolicyEngine(new PolicyParser().parse(policy)),
            audit,
            Clock.systemUTC());
    DatabaseCatalogs catalogs = new DatabaseCatalogs(Clock.systemUTC(), pipeline::analyze);
    ColumnCatalog.Builder columns = new ColumnCatalog.Builder();
    int attnum = 0;
    for (String c : List.of("id", "full_name", "card_number", "ssn")) {
      columns.add(MaskPlans.key(CUSTOMERS_OID, ++attnum), "public", "customers", c);
    }
    for (String c : List.of("id", "status")) {
      columns.add(MaskPlans.key(CUSTOMERS_OID + 1, ++attnum), "public", "orders", c);
    }
    catalogs.loaded("shop", new FunctionCatalog.Builder(), columns);
    approvals =
        new Approvals(
            new ApprovalStore.InMemory(), audit, Clock.systemUTC(), timer, Duration.ofMinutes(15));
    Grants grants = new Grants(new GrantStore.InMemory(), audit, Clock.systemUTC());
    GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
    AdmissionControl admissions =
        new AdmissionControl(
            pipeline,
            grants,
            approvals,
            catalogs,
            new Inline(),
            AdmissionMetrics.NONE,
            new AdmissionSettings(Duration.ofSeconds(2), Duration.ofSeconds(30)));
    ServerContext server =
        new ServerContext(
            config,
            null,
            Map.of(),
            credential -> {
              throw new AssertionError("no authentication in the relay");
            },
            pipeline,
            new Inline(),
            metrics,
            Transport.best(),
            new SecureRandom(),
            new SessionRegistry(),
            catalogs,
            approvals,
            grants,
            admissions,
            new dev.warden.gateway.Handoffs(new SecureRandom(), java.time.Clock.systemUTC()),
            new dev.warden.gateway.BackendDialer(Transport.best(), null, Duration.ofSeconds(10)));
    PostgresContext context = PostgresContext.of(server);
    session =
        new Session(
            new SessionContext(
                "s1",
                new Identity("agent", "iss", Set.of("code-assistant"), Map.of()),
                Set.of("agent"),
                "shop",
                "127.0.0.1",
                "relay-test"),
            client,
            backend,
            TransactionStatus.IDLE,
            List.of("public"),
            context,
            dev.warden.core.admission.SessionOptions.NONE);
    MessageEncoder encoder = new MessageEncoder();
    client
        .pipeline()
        .addLast(encoder)
        .addLast(new MessageFramer(1 << 20))
        .addLast(new ClientRelayHandler(context, session));
    backend
        .pipeline()
        .addLast(encoder)
        .addLast(new BackendRelayHandler(context, session))
        .addLast(new ClientWriter(session));
  }

  /** The client sends these messages, in one write. */
  void clientSends(FrontendMessage... messages) {
    ByteBuf bytes = Unpooled.buffer();
    for (FrontendMessage m : messages) {
      m.encode(bytes);
    }
    client.writeInbound(bytes);
    client.runPendingTasks();
  }

  /** The database sends these messages, in one write. */
  void databaseSends(BackendMessage... messages) {
    ByteBuf bytes = Unpooled.buffer();
    for (BackendMessage m : messages) {
      m.encode(bytes);
    }
    backend.writeInbound(bytes);
    client.runPendingTasks();
    backend.runPendingTasks();
  }

  /** What the relay sent the database since the last call, decoded. */
  List<FrontendMessage> forwarded() {
    client.runPendingTasks();
    return frames(backend::readOutbound, FrontendMessage::decode);
  }

  /** What the client got since the last call, decoded. */
  List<BackendMessage> received() {
    client.runPendingTasks();
    return frames(client::readOutbound, BackendMessage::decode);
  }

  private static <M> List<M> frames(
      java.util.function.Supplier<Object> outbound,
      java.util.function.Function<ByteBuf, M> decode) {
    ByteBuf all = Unpooled.buffer();
    for (Object o = outbound.get(); o != null; o = outbound.get()) {
      ByteBuf b = (ByteBuf) o;
      all.writeBytes(b);
      b.release();
    }
    List<M> messages = new ArrayList<>();
    while (all.readableBytes() >= 5) {
      int length = all.getInt(all.readerIndex() + 1);
      ByteBuf frame = all.readSlice(length + 1);
      messages.add(decode.apply(Unpooled.copiedBuffer(frame)));
    }
    all.release();
    return messages;
  }

  @Override
  public void close() {
    client.finishAndReleaseAll();
    backend.finishAndReleaseAll();
    timer.shutdownNow();
    approvals.close();
  }

  /** Runs what the kernel would run off the loop right away, on the caller's thread. */
  static final class Inline extends AbstractExecutorService {
    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }

  /** The audit trail: events kept; write-ahead, records are durable when the test says. */
  static final class RecordingLog implements AuditLog {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<Void>> pending = new CopyOnWriteArrayList<>();
    volatile boolean writeAhead;

    @Override
    public void append(AuditEvent event) {
      events.add(event);
    }

    @Override
    public CompletableFuture<Void> appendDurably(AuditEvent event) {
      events.add(event);
      if (!writeAhead) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Void> durable = new CompletableFuture<>();
      pending.add(durable);
      return durable;
    }

    @Override
    public boolean writeAhead() {
      return writeAhead;
    }
  }
}
