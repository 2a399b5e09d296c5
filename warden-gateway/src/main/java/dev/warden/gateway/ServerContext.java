package dev.warden.gateway;

import dev.warden.core.admission.AdmissionControl;
import dev.warden.core.approval.Approvals;
import dev.warden.core.approval.Grants;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.session.StatementPipeline;
import dev.warden.gateway.config.WardenConfig;
import io.netty.handler.ssl.SslContext;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * What every front door shares, whatever its protocol: configuration, TLS contexts, the
 * authenticator, the statement pipeline, approvals and grants, catalogs and registries. Built once
 * per gateway by the composition root and passed down; no static state.
 *
 * @param backendTls TLS contexts of the connections that use TLS, by connection name
 * @param blockingExecutor where work that may block (authentication, stores) runs, off the loops
 * @param catalogs each connection's functions and columns
 * @param admissions the enforcement kernel every door hands its statements to
 * @param handoffs tickets for sessions one door opens through another on a client's behalf
 * @param dialer how a door reaches a connection's database: directly, or through its agent
 */
public record ServerContext(
    WardenConfig config,
    SslContext clientTls,
    Map<String, SslContext> backendTls,
    Authenticator authenticator,
    StatementPipeline pipeline,
    ExecutorService blockingExecutor,
    GatewayMetrics metrics,
    Transport transport,
    SecureRandom random,
    SessionRegistry sessions,
    DatabaseCatalogs catalogs,
    Approvals approvals,
    Grants grants,
    AdmissionControl admissions,
    Handoffs handoffs,
    BackendDialer dialer) {

  public ServerContext {
    backendTls = Map.copyOf(backendTls);
  }
}
