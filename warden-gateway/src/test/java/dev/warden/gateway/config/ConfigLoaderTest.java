package dev.warden.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.warden.core.identity.ServiceKey;
import dev.warden.gateway.config.WardenConfig.BackendTlsMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  static final String HASH = ServiceKey.hash("wdn_x", new SecureRandom());
  final Map<String, String> env = Map.of("SHOP_PASSWORD", "from-env");
  final ConfigLoader loader = new ConfigLoader(env::get);
  final Path base = Path.of("/etc/warden");

  private WardenConfig yaml(String text) {
    return loader.parse(text, true, base);
  }

  @Test
  void everyDefaultIsPinned() {
    WardenConfig config = yaml("connections: {}\n");
    assertThat(config.postgres()).isEqualTo(new WardenConfig.Listener("127.0.0.1", 15432));
    assertThat(config.admin()).isEqualTo(new WardenConfig.Listener("127.0.0.1", 8080));
    assertThat(config.workerThreads()).isZero();
    assertThat(config.effectiveWorkerThreads())
        .isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.dataDir()).isEqualTo(Path.of("/etc/warden/warden-data"));
    assertThat(config.tls()).isEqualTo(new WardenConfig.Tls(null, null, false));
    assertThat(config.limits())
        .isEqualTo(
            new WardenConfig.Limits(
                16 * 1024 * 1024,
                1000,
                256,
                32,
                Duration.ofSeconds(3),
                Duration.ofSeconds(10),
                Duration.ofHours(1),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30),
                Duration.ofSeconds(15)));
    assertThat(config.connections()).isEmpty();
    assertThat(config.serviceKeys()).isEmpty();
    assertThat(config.policy()).isEqualTo(WardenConfig.PolicySource.NONE);
    assertThat(config.policy().reloadInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aPolicyComesFromAFileOrInline() {
    WardenConfig file = yaml("policy: {file: policy.json, reloadInterval: 500ms}\n");
    assertThat(file.policy().file()).isEqualTo(Path.of("/etc/warden/policy.json"));
    assertThat(file.policy().reloadInterval()).isEqualTo(Duration.ofMillis(500));
    WardenConfig inline =
        yaml(
            "policy:\n  inline: {version: 1, grants: [{id: g, roles: [a], connections: [\"*\"]}]}\n");
    assertThat(inline.policy().file()).isNull();
    assertThat(inline.policy().inline())
        .isEqualTo(
            "{\"version\":1,\"grants\":[{\"id\":\"g\",\"roles\":[\"a\"],\"connections\":[\"*\"]}]}");
    assertThatThrownBy(() -> yaml("policy: {file: p.json, inline: {version: 1}}\n"))
        .hasMessageContaining("'policy' has both file and inline");
    assertThatThrownBy(() -> yaml("policy: {inline: [1]}\n"))
        .hasMessageContaining("'policy.inline' must be an object");
    assertThatThrownBy(() -> yaml("policy: {file: p.json, reloadInterval: 0s}\n"))
        .hasMessageContaining("'policy.reloadInterval' must be greater than zero");
  }

  @Test
  void connectionDefaultsAndSecretReferences(@TempDir Path dir) throws Exception {
    Path secretFile = dir.resolve("pw");
    Files.writeString(secretFile, "from-file\n");
    WardenConfig config =
        yaml(
            """
            connections:
              shop: {host: db.internal, user: app, password: "${env:SHOP_PASSWORD}"}
              billing: {host: db2, port: 6432, database: bill, user: app, password: "${file:%s}", tls: {mode: verify-full, ca: ca.pem}}
            """
                .formatted(secretFile));
    WardenConfig.Connection shop = config.connections().get("shop");
    assertThat(shop.port()).isEqualTo(5432);
    assertThat(shop.database()).isEqualTo("shop");
    assertThat(shop.password().value()).isEqualTo("from-env");
    assertThat(shop.password().toString()).doesNotContain("from-env");
    assertThat(shop.tls().mode()).isEqualTo(BackendTlsMode.DISABLE);
    WardenConfig.Connection billing = config.connections().get("billing");
    assertThat(billing.password().value()).isEqualTo("from-file");
    assertThat(billing.tls().mode()).isEqualTo(BackendTlsMode.VERIFY_FULL);
    assertThat(billing.tls().ca()).isEqualTo(Path.of("/etc/warden/ca.pem"));
  }

  @Test
  void jsonWorksToo() {
    WardenConfig config =
        loader.parse(
            "{\"listen\": {\"postgres\": {\"port\": 6000}}, \"limits\": {\"maxMessageBytes\": \"64KiB\", \"idleTimeout\": \"0s\"}}",
            false,
            base);
    assertThat(config.postgres().port()).isEqualTo(6000);
    assertThat(config.limits().maxMessageBytes()).isEqualTo(65536);
    assertThat(config.limits().idleTimeout()).isZero();
  }

  @Test
  void serviceKeys() {
    WardenConfig config =
        yaml(
            """
            connections: {shop: {host: h, user: u}}
            identities:
              serviceKeys:
                - {subject: agent, groups: [code-assistant], keyHash: "%s", connections: [shop]}
            """
                .formatted(HASH));
    assertThat(config.serviceKeys()).hasSize(1);
    assertThat(config.serviceKeys().getFirst().groups()).containsExactly("code-assistant");
  }

  @Test
  void oidcIssuersAndRoles() {
    WardenConfig config =
        yaml(
            """
            connections: {shop: {host: h, user: u}}
            identities:
              oidc:
                sessionExpiryGrace: 30s
                issuers:
                  - {issuer: "https://idp.example", audiences: [warden]}
                  - issuer: https://kubernetes.default.svc
                    audiences: [warden]
                    jwksUri: https://kubernetes.default.svc/openid/v1/jwks
                    algorithms: [RS256, ES256]
                    clockSkew: 5s
                    groupsClaim: realm_access.roles
              roles:
                - {role: ci, match: {issuer: "https://kubernetes.default.svc", subject: "system:serviceaccount:ci:*", claims: {kubernetes.io.namespace: ci}}, connections: [shop], permissions: ["sessions:read"]}
            """);
    assertThat(config.sessionExpiryGrace()).isEqualTo(Duration.ofSeconds(30));
    var idp = config.oidcIssuers().get(0);
    assertThat(idp.jwksUri()).isNull();
    assertThat(idp.algorithms())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("RS256", "PS256", "ES256", "EdDSA");
    assertThat(idp.clockSkew()).isEqualTo(Duration.ofSeconds(60));
    assertThat(idp.subjectClaim()).isEqualTo("sub");
    assertThat(idp.groupsClaim()).isEqualTo("groups");
    assertThat(idp.refreshInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(idp.minRefreshInterval()).isEqualTo(Duration.ofSeconds(30));
    var k8s = config.oidcIssuers().get(1);
    assertThat(k8s.jwksUri().toString()).isEqualTo("https://kubernetes.default.svc/openid/v1/jwks");
    assertThat(k8s.algorithms())
        .extracting(Object::toString)
        .containsExactlyInAnyOrder("RS256", "ES256");
    assertThat(k8s.groupsClaim()).isEqualTo("realm_access.roles");
    assertThat(config.roles())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.claims()).containsEntry("kubernetes.io.namespace", "ci");
              assertThat(r.permissions()).containsExactly("sessions:read");
            });
    assertThat(yaml("connections: {}\n").sessionExpiryGrace()).isZero();
  }

  @Test
  void dangerousOrIncompleteIssuersAreRefused() {
    assertThatThrownBy(
            () ->
                yaml(
                    "identities: {oidc: {issuers: [{issuer: x, audiences: [w], algorithms: [HS256]}]}}\n"))
        .hasMessageContaining(
            "'identities.oidc.issuers[0].algorithms' names HS256, which is not allowed");
    assertThatThrownBy(
            () ->
                yaml(
                    "identities: {oidc: {issuers: [{issuer: x, audiences: [w], algorithms: [none]}]}}\n"))
        .hasMessageContaining("not allowed");
    assertThatThrownBy(() -> yaml("identities: {oidc: {issuers: [{issuer: x}]}}\n"))
        .hasMessageContaining(
            "'identities.oidc.issuers[0].audiences' must name at least one audience");
    assertThatThrownBy(() -> yaml("identities: {roles: [{role: r, connections: [ghost]}]}\n"))
        .hasMessageContaining("'identities.roles[0].connections' names connection 'ghost'");
  }

  @Test
  void errorsNameTheOffendingKey() {
    assertThatThrownBy(() -> yaml("listen: {postgress: {port: 1}}\n"))
        .hasMessageContaining("'listen.postgress' is not a known key");
    assertThatThrownBy(() -> yaml("listen: {postgres: {port: 70000}}\n"))
        .hasMessageContaining("'listen.postgres.port' must be between 0 and 65535");
    assertThatThrownBy(() -> yaml("limits: {startupTimeout: soon}\n"))
        .hasMessageContaining("'limits.startupTimeout' must be a duration");
    assertThatThrownBy(() -> yaml("limits: {startupTimeout: 0s}\n"))
        .hasMessageContaining("'limits.startupTimeout' must be greater than zero");
    assertThatThrownBy(() -> yaml("limits: {maxMessageBytes: 10}\n"))
        .hasMessageContaining("'limits.maxMessageBytes' must be between");
    assertThatThrownBy(() -> yaml("connections: {shop: {user: u}}\n"))
        .hasMessageContaining("'connections.shop.host' is required");
    assertThatThrownBy(() -> yaml("connections: {shop: {host: h, user: u, tls: {mode: maybe}}}\n"))
        .hasMessageContaining(
            "'connections.shop.tls.mode' must be disable, require or verify-full");
    assertThatThrownBy(
            () -> yaml("connections: {shop: {host: h, user: u, tls: {mode: verify-full}}}\n"))
        .hasMessageContaining("'connections.shop.tls.ca' is required");
    assertThatThrownBy(
            () -> yaml("connections: {shop: {host: h, user: u, password: \"${env:NOPE}\"}}\n"))
        .hasMessageContaining(
            "'connections.shop.password' refers to environment variable NOPE, which is not set");
    assertThatThrownBy(() -> yaml("identities: {serviceKeys: [{subject: a, keyHash: plain}]}\n"))
        .hasMessageContaining("'identities.serviceKeys[0].keyHash'")
        .hasMessageContaining("warden keys new");
    assertThatThrownBy(
            () ->
                yaml(
                    "identities: {serviceKeys: [{subject: a, keyHash: \""
                        + HASH
                        + "\", connections: [ghost]}]}\n"))
        .hasMessageContaining("'identities.serviceKeys[0].connections' names connection 'ghost'");
    assertThatThrownBy(() -> yaml("tls: {certificate: a.pem}\n"))
        .hasMessageContaining("'tls' needs both certificate and privateKey");
    assertThatThrownBy(() -> yaml("listen: [1]\n"))
        .hasMessageContaining("'listen' must be an object");
    assertThatThrownBy(() -> yaml("a: [\n")).hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> yaml("")).hasMessageContaining("empty");
  }

  @Test
  void secretValuesNeverAppearInErrors() {
    assertThatThrownBy(
            () ->
                yaml(
                    "connections: {shop: {host: h, user: u, password: \"${env:SHOP_PASSWORD}\", port: x}}\n"))
        .hasMessageNotContaining("from-env");
  }
}
