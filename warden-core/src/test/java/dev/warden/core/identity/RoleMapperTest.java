package dev.warden.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RoleMapperTest {
  static final String K8S = "https://kubernetes.default.svc";
  static final List<RoleRule> RULES =
      List.of(
          new RoleRule(
              "assistant",
              null,
              null,
              Set.of("code-assistant"),
              Map.of(),
              Set.of("shop"),
              Set.of()),
          new RoleRule(
              "dba",
              "https://idp",
              null,
              Set.of("dba"),
              Map.of(),
              Set.of("shop", "billing"),
              Set.of("sessions:read")),
          new RoleRule(
              "ci",
              K8S,
              "system:serviceaccount:ci:*",
              Set.of(),
              Map.of("kubernetes.io.serviceaccount.name", "deployer"),
              Set.of("shop"),
              Set.of()));

  static Stream<Arguments> identities() {
    return Stream.of(
        Arguments.of(
            new Identity("a", "https://idp", Set.of("code-assistant"), Map.of()),
            Set.of("assistant"),
            Set.of("shop")),
        Arguments.of(
            new Identity("d", "https://idp", Set.of("dba"), Map.of()),
            Set.of("dba"),
            Set.of("shop", "billing")),
        Arguments.of(
            new Identity("d", "https://other", Set.of("dba"), Map.of()), Set.of(), Set.of()),
        Arguments.of(
            new Identity("x", "https://idp", Set.of("dba", "code-assistant"), Map.of()),
            Set.of("dba", "assistant"),
            Set.of("shop", "billing")),
        Arguments.of(
            new Identity(
                "system:serviceaccount:ci:deployer",
                K8S,
                Set.of(),
                Map.of("kubernetes.io.serviceaccount.name", "deployer")),
            Set.of("ci"),
            Set.of("shop")),
        Arguments.of(
            new Identity(
                "system:serviceaccount:dev:deployer",
                K8S,
                Set.of(),
                Map.of("kubernetes.io.serviceaccount.name", "deployer")),
            Set.of(),
            Set.of()),
        Arguments.of(
            new Identity(
                "system:serviceaccount:ci:other",
                K8S,
                Set.of(),
                Map.of("kubernetes.io.serviceaccount.name", "other")),
            Set.of(),
            Set.of()));
  }

  @ParameterizedTest
  @MethodSource("identities")
  void rolesAndGrants(Identity identity, Set<String> roles, Set<String> connections) {
    RoleMapper mapper = new RoleMapper(c -> Authenticated.of(identity, Set.of(), null), RULES);
    Authenticated result = mapper.authenticate(new Credential("x"));
    assertThat(result.roles()).isEqualTo(roles);
    assertThat(result.connections()).isEqualTo(connections);
    assertThat(result.hasPermission("sessions:read")).isEqualTo(roles.contains("dba"));
  }

  @ParameterizedTest
  @MethodSource("globs")
  void subjectGlobs(String glob, String subject, boolean matches) {
    assertThat(RoleRule.glob(glob).matcher(subject).matches()).isEqualTo(matches);
  }

  static Stream<Arguments> globs() {
    return Stream.of(
        Arguments.of("system:serviceaccount:ci:*", "system:serviceaccount:ci:deployer", true),
        Arguments.of("system:serviceaccount:ci:*", "system:serviceaccount:cix:deployer", false),
        Arguments.of("agent-?", "agent-1", false),
        Arguments.of("a.b", "axb", false),
        Arguments.of("*", "", true));
  }
}
