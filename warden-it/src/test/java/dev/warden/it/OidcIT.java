package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.warden.core.audit.Slf4jAuditLog;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OIDC tokens as the only credential, against a real OIDC issuer on loopback: clients connect with
 * a JWT, the admin API shows who they are, every classic JWT attack is refused with 28000 before
 * any database is contacted, keys rotate and the issuer may go down without a restart.
 */
class OidcIT {
  static final String K8S_ISSUER = "https://kubernetes.default.svc";

  static IdentityProvider idp;
  static GatewayFixture fixture;
  static ServerSocket countingBackend;
  static ServerSocket countingKeyHost;
  static final AtomicInteger backendContacts = new AtomicInteger();
  static final AtomicInteger keyHostContacts = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    idp =
        IdentityProvider.start(
            IdentityProvider.ISSUER_ID, IdentityProvider.SECOND_ISSUER_ID, "k8s");
    countingBackend = counting(backendContacts);
    countingKeyHost = counting(keyHostContacts);
    String identities =
        "  oidc:\n    issuers:\n"
            + idp.issuerYaml(IdentityProvider.ISSUER_ID)
            + idp.issuerYaml(IdentityProvider.SECOND_ISSUER_ID)
            + "      - {issuer: \""
            + K8S_ISSUER
            + "\", audiences: [warden], jwksUri: \""
            + idp.jwksUri("k8s")
            + "\"}\n"
            + "  roles:\n"
            + "    - {role: assistant, match: {groups: [code-assistant]}, connections: [test, counted]}\n"
            + "    - {role: dba, match: {groups: [dba]}, connections: [test], permissions: [\"sessions:read\"]}\n"
            + "    - {role: ci-deployer, match: {issuer: \""
            + K8S_ISSUER
            + "\", subject: \"system:serviceaccount:ci:*\", claims: {kubernetes.io.serviceaccount.name: deployer}}, connections: [test]}\n";
    fixture =
        GatewayFixture.start(
            Map.of(
                "counted",
                "{host: 127.0.0.1, port: "
                    + countingBackend.getLocalPort()
                    + ", database: x, user: x, password: x}"),
            "",
            identities,
            new Slf4jAuditLog());
    BadInputIT.waitFor(() -> fixture.gateway.identities().oidc().cachedKeys(idp.issuer()) > 0);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    idp.close();
    countingBackend.close();
    countingKeyHost.close();
  }

  static ServerSocket counting(AtomicInteger counter) throws Exception {
    ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                  counter.incrementAndGet();
                } catch (Exception e) {
                  return;
                }
              }
            });
    return socket;
  }

  static Connection connect(String database, String token) throws SQLException {
    Properties props = new Properties();
    props.setProperty("password", token);
    return fixture.connect(database, props);
  }

  @Test
  void pgJdbcAndPsqlConnectWithAJwtAndTheAdminApiShowsWhoTheyAre() throws Exception {
    String agent = idp.token("agent-7", List.of("code-assistant"));
    try (Connection c = connect("test", agent);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      assertThat(rs.next()).isTrue();
      ProcessBuilder psql =
          new ProcessBuilder(
                  "psql", "-X", "-At", fixture.libpqConnInfo("test"), "-c", "SELECT 'psql via jwt'")
              .redirectErrorStream(true);
      psql.environment().put("PGPASSWORD", agent);
      Process p = psql.start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(out.strip()).isEqualTo("psql via jwt");

      String dba = idp.token("dba-1", List.of("dba"));
      HttpResponse<String> sessions = admin("/sessions", dba);
      assertThat(sessions.statusCode()).isEqualTo(200);
      assertThat(sessions.body())
          .contains("\"subject\":\"agent-7\"")
          .contains("\"issuer\":\"" + idp.issuer() + "\"")
          .contains("\"groups\":[\"code-assistant\"]")
          .contains("\"roles\":[\"assistant\"]")
          .contains("\"connection\":\"test\"")
          .doesNotContain(agent);
      assertThat(admin("/sessions", null).statusCode()).isEqualTo(401);
      assertThat(admin("/sessions", agent).statusCode()).isEqualTo(403);
      assertThat(admin("/sessions", agent.substring(0, agent.length() - 3) + "abc").statusCode())
          .isEqualTo(401);
    }
  }

  static HttpResponse<String> admin(String path, String bearer) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + fixture.gateway.adminPort() + path));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The attack suite: every token refused with 28000, and the database never contacted. */
  static List<Object[]> attacks() throws Exception {
    String issuer = idp.issuer();
    String second = idp.issuer(IdentityProvider.SECOND_ISSUER_ID);
    RSAKey first = idp.key(0);
    RSAKey secondKey = idp.key(1);
    String valid = idp.token("agent", List.of("code-assistant"));
    String[] parts = valid.split("\\.");
    RSAKey attacker = IdentityProvider.newKey("attacker");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();

    String none = new PlainJWT(IdentityProvider.claims(issuer, "agent").build()).serialize();
    SignedJWT hmac =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(first.getKeyID()).build(),
            IdentityProvider.claims(issuer, "agent").build());
    hmac.sign(new MACSigner(first.toPublicJWK().toRSAPublicKey().getEncoded()));
    String expired =
        IdentityProvider.sign(
            first,
            first.getKeyID(),
            IdentityProvider.claims(issuer, "agent")
                .expirationTime(Date.from(Instant.now().minus(Duration.ofHours(1))))
                .build(),
            Map.of());
    String notYet =
        IdentityProvider.sign(
            first,
            first.getKeyID(),
            IdentityProvider.claims(issuer, "agent")
                .notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
                .build(),
            Map.of());
    String wrongIssuer =
        IdentityProvider.sign(
            first,
            first.getKeyID(),
            IdentityProvider.claims("https://evil.example", "agent").build(),
            Map.of());
    String wrongAudience =
        IdentityProvider.sign(
            first,
            first.getKeyID(),
            IdentityProvider.claims(issuer, "agent").audience("someone-else").build(),
            Map.of());
    String unknownKid =
        IdentityProvider.sign(
            attacker, "attacker-kid", IdentityProvider.claims(issuer, "agent").build(), Map.of());
    String payloadChanged =
        parts[0]
            + "."
            + b64.encodeToString(
                IdentityProvider.claims(issuer, "admin")
                    .build()
                    .toString()
                    .getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    char last = parts[2].charAt(5);
    String signatureChanged =
        parts[0]
            + "."
            + parts[1]
            + "."
            + parts[2].substring(0, 5)
            + (last == 'A' ? 'B' : 'A')
            + parts[2].substring(6);
    String crossIssuer =
        IdentityProvider.sign(
            secondKey,
            first.getKeyID(),
            IdentityProvider.claims(second, "agent").build(),
            Map.of());
    String crossIssuerSignedBySecond =
        IdentityProvider.sign(
            secondKey,
            first.getKeyID(),
            IdentityProvider.claims(issuer, "agent").build(),
            Map.of());
    String huge =
        IdentityProvider.sign(
            first,
            first.getKeyID(),
            IdentityProvider.claims(issuer, "agent")
                .claim("padding", "x".repeat(17 * 1024))
                .build(),
            Map.of());
    String keyUrl = "http://127.0.0.1:" + countingKeyHost.getLocalPort() + "/jwks.json";
    String jku =
        IdentityProvider.sign(
            attacker,
            "attacker-kid",
            IdentityProvider.claims(issuer, "agent").build(),
            Map.of("jku", keyUrl, "x5u", keyUrl));

    return List.of(
        new Object[] {"alg none", none, "not signed"},
        new Object[] {
          "HS256 with the issuer's RSA public key as secret",
          hmac.serialize(),
          "algorithm HS256 is not allowed"
        },
        new Object[] {"expired", expired, "expired at"},
        new Object[] {"nbf in the future", notYet, "not valid before"},
        new Object[] {"wrong iss", wrongIssuer, "is not trusted"},
        new Object[] {"wrong aud", wrongAudience, "audience must be warden"},
        new Object[] {"unknown kid", unknownKid, "signing key 'attacker-kid' is not one of"},
        new Object[] {"payload changed after signing", payloadChanged, "signature is not valid"},
        new Object[] {"signature changed", signatureChanged, "signature is not valid"},
        new Object[] {
          "second trusted issuer's token with the first issuer's kid", crossIssuer, "is not one of"
        },
        new Object[] {
          "signed by the second issuer, claiming the first, with its kid",
          crossIssuerSignedBySecond,
          "signature is not valid"
        },
        new Object[] {"over 16 KiB", huge, "larger than 16 KiB"},
        new Object[] {"jku/x5u pointing elsewhere", jku, "signing key 'attacker-kid'"});
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void attackIsRefusedWith28000AndNothingIsForwarded(String name, String token, String reason)
      throws Exception {
    int before = backendContacts.get();
    int keyHostBefore = keyHostContacts.get();
    assertThatThrownBy(() -> connect("counted", token).close())
        .isInstanceOf(SQLException.class)
        .satisfies(
            e -> {
              assertThat(((SQLException) e).getSQLState()).as(name).isEqualTo("28000");
              assertThat(e.getMessage()).as(name).contains(reason).doesNotContain(token);
            });
    Thread.sleep(100);
    assertThat(backendContacts.get()).as("database contacted for: " + name).isEqualTo(before);
    assertThat(keyHostContacts.get()).as("jku/x5u fetched for: " + name).isEqualTo(keyHostBefore);
  }

  @Test
  void theCountingBackendWouldHaveSeenAValidToken() throws Exception {
    int before = backendContacts.get();
    assertThatThrownBy(
            () -> connect("counted", idp.token("agent", List.of("code-assistant"))).close())
        .isInstanceOf(SQLException.class);
    BadInputIT.waitFor(() -> backendContacts.get() > before);
    assertThat(backendContacts.get()).isEqualTo(before + 1);
  }

  @Test
  void kubernetesServiceAccountTokenMapsToARoleByNamespaceAndName() throws Exception {
    Map<String, Object> k8s =
        Map.of(
            "iss",
            K8S_ISSUER,
            "sub",
            "system:serviceaccount:ci:deployer",
            "aud",
            List.of("warden"),
            "kubernetes.io",
            Map.of("namespace", "ci", "serviceaccount", Map.of("name", "deployer", "uid", "8f1c")));
    RSAKey k8sKey = idp.key(2);
    String deployer =
        IdentityProvider.sign(
            k8sKey,
            k8sKey.getKeyID(),
            new JWTClaimsSet.Builder(JWTClaimsSet.parse(k8s))
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                .build(),
            Map.of());
    assertThat(SignedJWT.parse(deployer).getJWTClaimsSet().getIssuer()).isEqualTo(K8S_ISSUER);
    try (Connection c = connect("test", deployer)) {
      assertThat(c.isValid(5)).isTrue();
      String dba = idp.token("dba-1", List.of("dba"));
      assertThat(admin("/sessions", dba).body())
          .contains("\"subject\":\"system:serviceaccount:ci:deployer\"")
          .contains("\"roles\":[\"ci-deployer\"]");
    }
    Map<String, Object> other = new java.util.HashMap<>(k8s);
    other.put("sub", "system:serviceaccount:dev:deployer");
    other.put(
        "kubernetes.io", Map.of("namespace", "dev", "serviceaccount", Map.of("name", "deployer")));
    String otherToken =
        IdentityProvider.sign(
            k8sKey,
            k8sKey.getKeyID(),
            new JWTClaimsSet.Builder(JWTClaimsSet.parse(other))
                .expirationTime(Date.from(Instant.now().plusSeconds(3600)))
                .build(),
            Map.of());
    assertThatThrownBy(() -> connect("test", otherToken).close())
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
  }

  @Test
  void aSessionEndsWhenItsTokenExpires() throws Exception {
    RSAKey key = idp.key(0);
    String shortLived =
        IdentityProvider.sign(
            key,
            key.getKeyID(),
            IdentityProvider.claims(idp.issuer(), "brief")
                .expirationTime(Date.from(Instant.now().plusSeconds(3)))
                .build(),
            Map.of());
    Instant expiry = SignedJWT.parse(shortLived).getJWTClaimsSet().getExpirationTime().toInstant();
    assertThat(expiry).isBefore(Instant.now().plusSeconds(10));
    try (RawClient client = RawClient.session(fixture.port(), shortLived, "test")) {
      RawClient.Message ended = client.read();
      assertThat(ended.type()).isEqualTo('E');
      assertThat(ended.fields()).containsEntry('C', "28000").containsEntry('S', "FATAL");
      assertThat(ended.fields().get('M')).contains("expired");
      assertThat(client.closedByPeer()).isTrue();
    }
  }
}
