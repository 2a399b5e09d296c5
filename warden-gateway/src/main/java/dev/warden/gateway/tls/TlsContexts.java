package dev.warden.gateway.tls;

import dev.warden.gateway.config.WardenConfig;
import dev.warden.gateway.config.WardenConfig.BackendTls;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import javax.net.ssl.SSLException;

/** Builds the TLS contexts: one for clients, one per database connection that uses TLS. */
public final class TlsContexts {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private TlsContexts() {}

  /** The server context towards clients: configured certificate, or the development one. */
  public static SslContext forClients(WardenConfig config, SecureRandom random) throws IOException {
    Path certificate = config.tls().certificate();
    Path key = config.tls().privateKey();
    if (certificate == null) {
      Path dir = DevelopmentCertificates.ensure(config.dataDir().resolve("tls"), random);
      certificate = dir.resolve(DevelopmentCertificates.SERVER_CERTIFICATE);
      key = dir.resolve(DevelopmentCertificates.SERVER_KEY);
    }
    try {
      return SslContextBuilder.forServer(certificate.toFile(), key.toFile())
          .protocols(PROTOCOLS)
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IOException(
          "cannot load the TLS certificate "
              + certificate
              + " / key "
              + key
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * The client context towards a database, or null when TLS is disabled. {@code require} encrypts
   * without checking the certificate (as libpq's sslmode=require); {@code verify-full} checks the
   * chain against the configured CA, and the handler checks the host name.
   */
  public static SslContext forBackend(BackendTls tls) throws IOException {
    SslContextBuilder builder = SslContextBuilder.forClient().protocols(PROTOCOLS);
    switch (tls.mode()) {
      case DISABLE -> {
        return null;
      }
      case REQUIRE -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
      case VERIFY_FULL ->
          builder.trustManager(tls.ca().toFile()).endpointIdentificationAlgorithm("HTTPS");
    }
    try {
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IOException("cannot build backend TLS context: " + e.getMessage(), e);
    }
  }
}
