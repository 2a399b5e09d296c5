package dev.warden.frontend.postgres;

import dev.warden.core.admission.AdmissionControl;
import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.Grants;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.session.StatementPipeline;
import dev.warden.gateway.DatabaseCatalogs;
import dev.warden.gateway.GatewayMetrics;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.SessionRegistry;
import dev.warden.gateway.Transport;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.protocol.postgres.codec.MessageEncoder;
import dev.warden.protocol.postgres.scram.SaltedPasswordCache;
import io.netty.handler.ssl.SslContext;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * What the PostgreSQL door's handlers share: the server's context, and what only this protocol
 * needs — its cancel keys, its shared encoder, the salted SCRAM passwords per connection.
 */
public record PostgresContext(
    ServerContext server,
    CancelRegistry cancels,
    MessageEncoder encoder,
    Map<String, SaltedPasswordCache> scramCaches) {

  public PostgresContext {
    scramCaches = Map.copyOf(scramCaches);
  }

  /** The door's context over the server's: fresh cancel keys, one SCRAM cache per connection. */
  public static PostgresContext of(ServerContext server) {
    Map<String, SaltedPasswordCache> caches = new HashMap<>();
    server
        .config()
        .connections()
        .keySet()
        .forEach(name -> caches.put(name, new SaltedPasswordCache()));
    return new PostgresContext(
        server, new CancelRegistry(server.random()), new MessageEncoder(), caches);
  }

  WardenConfig config() {
    return server.config();
  }

  SslContext clientTls() {
    return server.clientTls();
  }

  Map<String, SslContext> backendTls() {
    return server.backendTls();
  }

  Authenticator authenticator() {
    return server.authenticator();
  }

  StatementPipeline pipeline() {
    return server.pipeline();
  }

  ExecutorService blockingExecutor() {
    return server.blockingExecutor();
  }

  GatewayMetrics metrics() {
    return server.metrics();
  }

  Transport transport() {
    return server.transport();
  }

  SecureRandom random() {
    return server.random();
  }

  SessionRegistry sessions() {
    return server.sessions();
  }

  DatabaseCatalogs catalogs() {
    return server.catalogs();
  }

  Approvals approvals() {
    return server.approvals();
  }

  Grants grants() {
    return server.grants();
  }

  dev.warden.gateway.Handoffs handoffs() {
    return server.handoffs();
  }

  AdmissionControl admissions() {
    return server.admissions();
  }
}
