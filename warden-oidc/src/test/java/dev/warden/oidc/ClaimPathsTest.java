package dev.warden.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClaimPathsTest {
  static final Map<String, Object> K8S =
      Map.of(
          "sub",
          "system:serviceaccount:ci:deployer",
          "kubernetes.io",
          Map.of("namespace", "ci", "serviceaccount", Map.of("name", "deployer", "uid", "8f1c")),
          "realm_access",
          Map.of("roles", List.of("dba", "reader")),
          "groups",
          "single",
          "n",
          42);

  @Test
  void pathsWalkIntoObjectsAndKeysMayContainDots() {
    assertThat(ClaimPaths.resolve(K8S, "sub")).isEqualTo("system:serviceaccount:ci:deployer");
    assertThat(ClaimPaths.resolve(K8S, "kubernetes.io.namespace")).isEqualTo("ci");
    assertThat(ClaimPaths.resolve(K8S, "kubernetes.io.serviceaccount.name")).isEqualTo("deployer");
    assertThat(ClaimPaths.resolve(K8S, "realm_access.roles")).isEqualTo(List.of("dba", "reader"));
    assertThat(ClaimPaths.resolve(K8S, "missing")).isNull();
    assertThat(ClaimPaths.resolve(K8S, "sub.deeper")).isNull();
  }

  @Test
  void groupsFromAStringOrAnArray() {
    assertThat(ClaimPaths.strings(ClaimPaths.resolve(K8S, "realm_access.roles")))
        .containsExactly("dba", "reader");
    assertThat(ClaimPaths.strings(ClaimPaths.resolve(K8S, "groups"))).containsExactly("single");
    assertThat(ClaimPaths.strings(ClaimPaths.resolve(K8S, "n"))).isEmpty();
    assertThat(ClaimPaths.strings(null)).isEmpty();
  }

  @Test
  void flattenedClaimsUseDottedKeys() {
    Map<String, String> flat = ClaimPaths.flatten(K8S);
    assertThat(flat)
        .containsEntry("kubernetes.io.namespace", "ci")
        .containsEntry("kubernetes.io.serviceaccount.name", "deployer")
        .containsEntry("n", "42")
        .doesNotContainKey("realm_access.roles");
  }
}
