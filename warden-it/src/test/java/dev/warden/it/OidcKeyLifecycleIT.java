package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.RSAKey;
import dev.warden.core.audit.Slf4jAuditLog;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signing keys over time, against a real OIDC issuer that rotates its key and goes down: the
 * gateway follows a rotation without a restart, keeps working on cached keys during an outage,
 * fails closed on keys it has never seen, and recovers by itself when the issuer returns.
 */
class OidcKeyLifecycleIT {
  IdentityProvider idp;
  GatewayFixture fixture;

  @BeforeEach
  void start() throws Exception {
    idp = IdentityProvider.start(IdentityProvider.ISSUER_ID);
    fixture =
        GatewayFixture.start(
            Map.of(),
            "",
            "  oidc:\n    issuers:\n"
                + idp.issuerYaml(IdentityProvider.ISSUER_ID)
                + "  roles:\n    - {role: assistant, match: {groups: [code-assistant]}, connections: [test]}\n",
            new Slf4jAuditLog());
    BadInputIT.waitFor(() -> fixture.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
  }

  @AfterEach
  void stop() {
    fixture.close();
    idp.close();
  }

  private boolean connects(String token) throws SQLException {
    Properties props = new Properties();
    props.setProperty("password", token);
    try (Connection c = fixture.connect("test", props)) {
      return c.isValid(5);
    }
  }

  private static String signed(RSAKey key, String issuer) throws Exception {
    return IdentityProvider.sign(
        key, key.getKeyID(), IdentityProvider.claims(issuer, "agent").build(), Map.of());
  }

  @Test
  void rotatedKeyIsFollowedWithoutRestartAndTheRemovedKeyIsRefused() throws Exception {
    String before = idp.token("agent", List.of("code-assistant"));
    assertThat(connects(before)).isTrue();

    RSAKey rotated = IdentityProvider.newKey(IdentityProvider.ISSUER_ID);
    idp.stop();
    idp.startWith(List.of(rotated), IdentityProvider.ISSUER_ID);
    String after = idp.token("agent", List.of("code-assistant"));
    assertThat(connects(after)).as("token signed with the new key").isTrue();

    assertThatThrownBy(() -> connects(before))
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> {
              assertThat(((SQLException) e).getSQLState()).isEqualTo("28000");
              assertThat(e.getMessage()).contains("signature is not valid");
            });
  }

  @Test
  void outageKeepsCachedKeysFailsClosedOnNewOnesAndRecoversByItself() throws Exception {
    String cached = idp.token("agent", List.of("code-assistant"));
    RSAKey next = IdentityProvider.newKey("next-key");
    String withNewKey = signed(next, idp.issuer());

    idp.stop();
    assertThat(connects(cached)).as("cached key during the outage").isTrue();
    assertThatThrownBy(() -> connects(withNewKey))
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> {
              assertThat(((SQLException) e).getSQLState()).isEqualTo("28000");
              assertThat(e.getMessage()).contains("cannot be fetched right now");
            });

    RSAKey rotated = IdentityProvider.newKey(IdentityProvider.ISSUER_ID);
    idp.startWith(List.of(rotated), IdentityProvider.ISSUER_ID);
    assertThat(connects(signed(rotated, idp.issuer()))).as("after the issuer returns").isTrue();
  }

  @Test
  void scheduledRefreshPicksUpKeysOfAProviderThatWasDownAtStartup() throws Exception {
    try (IdentityProvider late = IdentityProvider.start("late")) {
      String issuer = late.issuer("late");
      RSAKey key = late.key(0);
      late.stop();
      String yaml =
          "  oidc:\n    issuers:\n"
              + "      - {issuer: \""
              + issuer
              + "\", audiences: [warden], jwksUri: \""
              + late.jwksUri("late")
              + "\", jwksRefreshInterval: 1s, jwksMinRefreshInterval: 1h}\n"
              + "  roles:\n    - {role: assistant, match: {groups: [code-assistant]}, connections: [test]}\n";
      try (GatewayFixture gateway = GatewayFixture.start(Map.of(), "", yaml, new Slf4jAuditLog())) {
        Thread.sleep(1500);
        assertThat(gateway.gateway.identities().oidc().cachedKeys(issuer))
            .as("provider down")
            .isZero();
        late.startWith(List.of(key), "late");
        // No token arrives meanwhile: only the schedule can fetch the keys.
        BadInputIT.waitFor(() -> gateway.gateway.identities().oidc().cachedKeys(issuer) > 0);
        assertThat(gateway.gateway.identities().oidc().cachedKeys(issuer)).isEqualTo(1);
        Properties props = new Properties();
        props.setProperty("password", signed(key, issuer));
        try (Connection c = gateway.connect("test", props)) {
          assertThat(c.isValid(5)).isTrue();
        }
      }
    }
  }
}
