package dev.warden.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ServiceKeyAuthenticatorTest {
  final SecureRandom random = new SecureRandom();
  final String agentKey = ServiceKey.generate(random);
  final String dbaKey = ServiceKey.generate(random);
  final ServiceKeyAuthenticator authenticator =
      new ServiceKeyAuthenticator(
          List.of(
              new ServiceKeyAuthenticator.Entry(
                  "agent",
                  Set.of("code-assistant"),
                  ServiceKey.parse(ServiceKey.hash(agentKey, random)),
                  Set.of("shop")),
              new ServiceKeyAuthenticator.Entry(
                  "dba",
                  Set.of("dba"),
                  ServiceKey.parse(ServiceKey.hash(dbaKey, random)),
                  Set.of("*"))));

  @Test
  void keysAreRandomAndPrefixed() {
    assertThat(agentKey).startsWith("wdn_").hasSize(4 + 43).isNotEqualTo(dbaKey);
  }

  @Test
  void hashesAreSaltedAndDoNotContainTheKey() {
    String h1 = ServiceKey.hash(agentKey, random);
    String h2 = ServiceKey.hash(agentKey, random);
    assertThat(h1).isNotEqualTo(h2).doesNotContain(agentKey.substring(4)).startsWith("sha256:");
    assertThat(ServiceKey.parse(h1).matches(agentKey)).isTrue();
    assertThat(ServiceKey.parse(h2).matches(agentKey)).isTrue();
    assertThat(ServiceKey.parse(h1).matches(dbaKey)).isFalse();
  }

  @Test
  void eachKeyAuthenticatesItsIdentity() {
    Authenticated agent = authenticator.authenticate(new Credential(agentKey));
    assertThat(agent.identity().subject()).isEqualTo("agent");
    assertThat(agent.identity().groups()).containsExactly("code-assistant");
    assertThat(agent.identity().issuer()).isEqualTo(ServiceKeyAuthenticator.ISSUER);
    assertThat(agent.mayUse("shop")).isTrue();
    assertThat(agent.mayUse("other")).isFalse();
    Authenticated dba = authenticator.authenticate(new Credential(dbaKey));
    assertThat(dba.identity().subject()).isEqualTo("dba");
    assertThat(dba.mayUse("anything")).isTrue();
  }

  @Test
  void wrongOrMissingKeysFailWithoutEchoingThem() {
    String wrong =
        agentKey.substring(0, agentKey.length() - 1) + (agentKey.endsWith("A") ? "B" : "A");
    assertThatThrownBy(() -> authenticator.authenticate(new Credential(wrong)))
        .isInstanceOfSatisfying(
            WardenException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED);
              assertThat(e.getMessage()).doesNotContain(wrong);
              assertThat(e.hint()).contains("warden keys new");
            });
    assertThatThrownBy(() -> authenticator.authenticate(new Credential("")))
        .hasMessageContaining("no credential");
    assertThatThrownBy(() -> authenticator.authenticate(new Credential(null)))
        .hasMessageContaining("no credential");
  }

  @Test
  void malformedStoredHashesAreRejectedWithAReason() {
    assertThatThrownBy(() -> ServiceKey.parse("plain")).hasMessageContaining("sha256:SALT:HASH");
    assertThatThrownBy(() -> ServiceKey.parse("sha256:!!:??")).hasMessageContaining("base64url");
    assertThatThrownBy(() -> ServiceKey.parse("sha256:c2FsdA:aGFzaA"))
        .hasMessageContaining("length");
  }

  @Test
  void credentialNeverPrintsItsSecret() {
    assertThat(new Credential(agentKey).toString()).doesNotContain(agentKey);
  }
}
