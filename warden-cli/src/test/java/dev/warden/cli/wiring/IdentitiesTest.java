package dev.warden.cli.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.gateway.config.OidcIssuerSettings;
import dev.warden.oidc.OidcIssuer;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The configuration's issuer settings become the OIDC module's issuers, nothing lost. */
class IdentitiesTest {
  @Test
  void theConfigurableAlgorithmsAreExactlyTheOnesTheOidcModuleSupports() {
    assertThat(OidcIssuerSettings.ALGORITHMS)
        .isEqualTo(OidcIssuer.SUPPORTED.stream().map(Object::toString).collect(Collectors.toSet()));
  }

  @Test
  void everySettingIsCarriedOver() {
    OidcIssuerSettings settings =
        new OidcIssuerSettings(
            "https://idp",
            Set.of("warden"),
            java.net.URI.create("https://idp/jwks"),
            Set.of("RS256", "EdDSA"),
            Duration.ofSeconds(5),
            "sub",
            "realm_access.roles",
            Duration.ofMinutes(5),
            Duration.ofSeconds(30));
    OidcIssuer issuer = Identities.issuer(settings);
    assertThat(issuer.issuer()).isEqualTo("https://idp");
    assertThat(issuer.audiences()).containsExactly("warden");
    assertThat(issuer.jwksUri()).isEqualTo(settings.jwksUri());
    assertThat(issuer.algorithms())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("RS256", "EdDSA");
    assertThat(issuer.clockSkew()).isEqualTo(Duration.ofSeconds(5));
    assertThat(issuer.groupsClaim()).isEqualTo("realm_access.roles");
    assertThat(issuer.refreshInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(issuer.minRefreshInterval()).isEqualTo(Duration.ofSeconds(30));
  }
}
