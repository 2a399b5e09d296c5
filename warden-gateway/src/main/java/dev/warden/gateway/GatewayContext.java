package dev.warden.gateway;

import dev.warden.core.identity.Authenticator;
import dev.warden.core.session.StatementPipeline;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.gateway.postgres.CancelRegistry;
import dev.warden.protocol.postgres.codec.MessageEncoder;
import dev.warden.protocol.postgres.scram.SaltedPasswordCache;
import io.netty.handler.ssl.SslContext;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * What every connection handler shares: configuration, TLS contexts, the authenticator, the
 * statement pipeline and registries. Built once per gateway and passed down; no static state.
 *
 * @param backendTls TLS contexts of the connections that use TLS, by connection name
 * @param blockingExecutor where work that may block (authentication) runs, off the event loop
 * @param scramCaches salted SCRAM passwords per connection, so logins skip the PBKDF2
 * @param catalogs each connection's functions and their volatility
 */
public record GatewayContext(
    WardenConfig config,
    SslContext clientTls,
    Map<String, SslContext> backendTls,
    Authenticator authenticator,
    StatementPipeline pipeline,
    CancelRegistry cancels,
    ExecutorService blockingExecutor,
    GatewayMetrics metrics,
    MessageEncoder encoder,
    Transport transport,
    SecureRandom random,
    SessionRegistry sessions,
    Map<String, SaltedPasswordCache> scramCaches,
    DatabaseCatalogs catalogs,
    dev.warden.core.approval.Approvals approvals,
    dev.warden.core.approval.Grants grants) {

  public GatewayContext {
    backendTls = Map.copyOf(backendTls);
    scramCaches = Map.copyOf(scramCaches);
  }
}
