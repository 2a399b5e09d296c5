package dev.warden.cli.wiring;

import dev.warden.core.identity.Authenticated;
import dev.warden.core.identity.Authenticator;
import dev.warden.core.identity.Credential;
import dev.warden.core.identity.CredentialRouter;
import dev.warden.core.identity.RoleMapper;
import dev.warden.core.identity.ServiceKey;
import dev.warden.core.identity.ServiceKeyAuthenticator;
import dev.warden.gateway.config.OidcIssuerSettings;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.oidc.OidcAuthenticator;
import dev.warden.oidc.OidcIssuer;
import java.time.Clock;
import java.util.Set;

/**
 * The configured ways to prove who you are: service keys and tokens from trusted OIDC issuers, then
 * role mapping. Owns the OIDC key refresher, so close it with the gateway.
 */
public final class Identities implements Authenticator, AutoCloseable {
  private final Authenticator authenticator;
  private final OidcAuthenticator oidc;

  private Identities(Authenticator authenticator, OidcAuthenticator oidc) {
    this.authenticator = authenticator;
    this.oidc = oidc;
  }

  public static Identities of(WardenConfig config, Clock clock) {
    Authenticator keys =
        new ServiceKeyAuthenticator(
            config.serviceKeys().stream()
                .map(
                    k ->
                        new ServiceKeyAuthenticator.Entry(
                            k.subject(),
                            Set.copyOf(k.groups()),
                            ServiceKey.parse(k.keyHash()),
                            Set.copyOf(k.connections())))
                .toList());
    OidcAuthenticator oidc =
        config.oidcIssuers().isEmpty()
            ? null
            : new OidcAuthenticator(
                config.oidcIssuers().stream().map(Identities::issuer).toList(), clock);
    return new Identities(new RoleMapper(new CredentialRouter(keys, oidc), config.roles()), oidc);
  }

  @Override
  public Authenticated authenticate(Credential credential) {
    return authenticator.authenticate(credential);
  }

  /** The OIDC authenticator, or null when no issuer is configured. */
  public OidcAuthenticator oidc() {
    return oidc;
  }

  @Override
  public void close() {
    if (oidc != null) {
      oidc.close();
    }
  }

  /** A configured issuer as the OIDC module's. */
  static OidcIssuer issuer(OidcIssuerSettings settings) {
    return new OidcIssuer(
        settings.issuer(),
        settings.audiences(),
        settings.jwksUri(),
        settings.algorithms().stream()
            .map(com.nimbusds.jose.JWSAlgorithm::parse)
            .collect(java.util.stream.Collectors.toSet()),
        settings.clockSkew(),
        settings.subjectClaim(),
        settings.groupsClaim(),
        settings.refreshInterval(),
        settings.minRefreshInterval());
  }
}
