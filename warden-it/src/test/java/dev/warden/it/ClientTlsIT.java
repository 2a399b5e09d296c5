package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.gateway.tls.DevelopmentCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** TLS towards clients: a configured certificate, verify-full, and a stable development CA. */
class ClientTlsIT {

  @Test
  void configuredCertificateIsServedAndVerifiable() throws Exception {
    Path own =
        DevelopmentCertificates.ensure(
            Files.createTempDirectory("warden-own-cert"), new SecureRandom());
    String tls =
        "tls: {certificate: \""
            + own.resolve(DevelopmentCertificates.SERVER_CERTIFICATE)
            + "\", privateKey: \""
            + own.resolve(DevelopmentCertificates.SERVER_KEY)
            + "\"}\n";
    try (GatewayFixture fixture = GatewayFixture.start(Map.of(), tls)) {
      Properties props = new Properties();
      props.setProperty("sslmode", "verify-full");
      props.setProperty(
          "sslrootcert", own.resolve(DevelopmentCertificates.CA_CERTIFICATE).toString());
      try (Connection c = fixture.connect("test", props)) {
        assertThat(c.isValid(5)).isTrue();
      }
      assertThat(Files.exists(fixture.caCertificate()))
          .as("no development certificate when one is configured")
          .isFalse();
      // The gateway's generated CA is not the configured one: verify-full with it must fail.
      Path other =
          DevelopmentCertificates.ensure(
              Files.createTempDirectory("warden-other"), new SecureRandom());
      props.setProperty(
          "sslrootcert", other.resolve(DevelopmentCertificates.CA_CERTIFICATE).toString());
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> fixture.connect("test", props).close())
          .hasMessageContaining("SSL");
    }
  }

  @Test
  void developmentCaIsGeneratedOnceAndKept() throws Exception {
    Path dir = Files.createTempDirectory("warden-dev-ca");
    Path first = DevelopmentCertificates.ensure(dir, new SecureRandom());
    String ca = Files.readString(first.resolve(DevelopmentCertificates.CA_CERTIFICATE));
    DevelopmentCertificates.ensure(dir, new SecureRandom());
    assertThat(Files.readString(dir.resolve(DevelopmentCertificates.CA_CERTIFICATE))).isEqualTo(ca);
    assertThat(
            Files.getPosixFilePermissions(dir.resolve(DevelopmentCertificates.SERVER_KEY))
                .toString())
        .isEqualTo("[OWNER_READ, OWNER_WRITE]");
  }

  @Test
  void verifyFullAgainstTheGeneratedCa() throws Exception {
    try (GatewayFixture fixture = GatewayFixture.start()) {
      Properties props = new Properties();
      props.setProperty("sslmode", "verify-full");
      props.setProperty("sslrootcert", fixture.caCertificate().toString());
      try (Connection c = fixture.connect("test", props)) {
        assertThat(c.isValid(5)).isTrue();
      }
    }
  }
}
