package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.warden.core.policy.PolicyParser;
import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests under deploy/kubernetes render offline ({@code kubectl kustomize}) and
 * say what a security team expects: at least two replicas, a disruption budget, liveness on /health
 * and readiness on /ready, a non-root read-only container, secrets only from Secrets, network
 * policies — and the configuration and policy they ship load in the gateway's own configuration
 * loader and policy parser.
 */
class KubernetesManifestsIT {
  private static final Path DEPLOY = Path.of("..", "deploy", "kubernetes");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static List<JsonNode> render(String dir) throws Exception {
    Processes.Result r =
        Processes.run(
            List.of("kubectl", "kustomize", DEPLOY.resolve(dir).toString()),
            Map.of(),
            Duration.ofMinutes(1));
    assertThat(r.exitCode()).as(r.toString()).isZero();
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(r.stdout())) {
      it.forEachRemaining(docs::add);
    }
    return docs;
  }

  static JsonNode one(List<JsonNode> docs, String kind) {
    return docs.stream()
        .filter(d -> d.path("kind").asText().equals(kind))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind));
  }

  @Test
  void productionRendersAsAHighlyAvailableLockedDownDeployment() throws Exception {
    List<JsonNode> docs = render("overlays/production");
    JsonNode deployment = one(docs, "Deployment");
    assertThat(deployment.at("/metadata/namespace").asText()).isEqualTo("warden");
    assertThat(deployment.at("/spec/replicas").asInt()).isGreaterThanOrEqualTo(2);
    JsonNode pod = deployment.at("/spec/template/spec");
    JsonNode container = pod.at("/containers/0");
    assertThat(container.at("/image").asText()).isEqualTo("registry.example.com/warden:0.1.0");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(container.at("/securityContext/capabilities/drop").toString()).contains("ALL");
    assertThat(pod.at("/automountServiceAccountToken").asBoolean()).isFalse();
    // No secret in the manifests: every secret value comes from a Secret.
    for (JsonNode env : container.path("env")) {
      if (!env.path("name").asText().startsWith("WARDEN_LOG")) {
        assertThat(env.has("value")).as(env.toString()).isFalse();
        assertThat(env.at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("warden-secrets");
      }
    }
    JsonNode selector = deployment.at("/spec/selector/matchLabels");
    JsonNode pdb = one(docs, "PodDisruptionBudget");
    assertThat(pdb.at("/spec/minAvailable").asInt()).isEqualTo(1);
    assertThat(pdb.at("/spec/selector/matchLabels")).isEqualTo(selector);
    List<JsonNode> policies =
        docs.stream().filter(d -> d.path("kind").asText().equals("NetworkPolicy")).toList();
    assertThat(policies).hasSize(2);
    for (JsonNode p : policies) {
      // A policy that selects no pod protects nothing.
      assertThat(p.at("/spec/podSelector/matchLabels")).as(p.toString()).isEqualTo(selector);
    }
    assertThat(one(docs, "Service").at("/spec/selector")).isEqualTo(selector);
  }

  @Test
  void theShippedConfigurationAndPolicyLoadInTheGateway() throws Exception {
    JsonNode config = one(render("overlays/production"), "ConfigMap");
    String yaml = config.at("/data/warden.yaml").asText();
    String policy = config.at("/data/policy.json").asText();
    assertThat(new PolicyParser().parse(policy).grants()).isNotEmpty();
    Map<String, String> env =
        Map.of(
            "SHOP_DB_PASSWORD", "x",
            "WARDEN_AUDIT_URL", "jdbc:postgresql://audit:5432/warden",
            "WARDEN_AUDIT_USER", "warden",
            "WARDEN_AUDIT_PASSWORD", "x");
    WardenConfig loaded =
        new ConfigLoader(env::get).parse(yaml, true, Files.createTempDirectory("warden-k8s"));
    assertThat(loaded.policy().file().toString()).isEqualTo("/etc/warden/config/policy.json");
    assertThat(loaded.tls().admin()).isTrue();
    assertThat(loaded.mcp()).isNotNull();
    assertThat(loaded.connections()).containsKey("shop");
  }

  @Test
  void stagingAndTheAgentExampleRender() throws Exception {
    assertThat(one(render("overlays/staging"), "Deployment").at("/spec/replicas").asInt())
        .isEqualTo(2);
    List<JsonNode> agent = render("examples/agent");
    JsonNode job = one(agent, "Job");
    assertThat(
            job.at("/spec/template/spec/volumes/0/projected/sources/0/serviceAccountToken/audience")
                .asText())
        .isEqualTo("warden");
  }
}
