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

  /** The certificate and key towards clients: the configured ones, or the development ones. */
  private static Path[] clientPair(WardenConfig config, SecureRandom random) throws IOException {
    Path certificate = config.tls().certificate();
    Path key = config.tls().privateKey();
    if (certificate == null) {
      Path dir = DevelopmentCertificates.ensure(config.dataDir().resolve("tls"), random);
      certificate = dir.resolve(DevelopmentCertificates.SERVER_CERTIFICATE);
      key = dir.resolve(DevelopmentCertificates.SERVER_KEY);
    }
    return new Path[] {certificate, key};
  }

  /**
   * The same certificate and key as a JDK {@link javax.net.ssl.SSLContext}, for the listeners that
   * are not Netty's (the MCP door's HTTP server). PEM in PKCS#8, PKCS#1 or SEC1.
   */
  public static javax.net.ssl.SSLContext jdkForClients(WardenConfig config, SecureRandom random)
      throws IOException {
    Path[] pair = clientPair(config, random);
    try (var certificates = java.nio.file.Files.newBufferedReader(pair[0]);
        var key = java.nio.file.Files.newBufferedReader(pair[1])) {
      var converter = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter();
      java.util.List<java.security.cert.X509Certificate> chain = new java.util.ArrayList<>();
      try (var parser = new org.bouncycastle.openssl.PEMParser(certificates)) {
        for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
          if (o instanceof org.bouncycastle.cert.X509CertificateHolder holder) {
            chain.add(converter.getCertificate(holder));
          }
        }
      }
      java.security.PrivateKey privateKey;
      try (var parser = new org.bouncycastle.openssl.PEMParser(key)) {
        Object o = parser.readObject();
        var keys = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter();
        privateKey =
            switch (o) {
              case org.bouncycastle.openssl.PEMKeyPair pair2 -> keys.getKeyPair(pair2).getPrivate();
              case org.bouncycastle.asn1.pkcs.PrivateKeyInfo info -> keys.getPrivateKey(info);
              case null, default -> throw new IOException("no private key in " + pair[1]);
            };
      }
      java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry(
          "warden", privateKey, none, chain.toArray(new java.security.cert.Certificate[0]));
      var managers =
          javax.net.ssl.KeyManagerFactory.getInstance(
              javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      managers.init(store, none);
      javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(managers.getKeyManagers(), null, random);
      return context;
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(
          "cannot load the TLS certificate " + pair[0] + " / key " + pair[1] + ": " + e, e);
    }
  }

  /** The server context towards clients: configured certificate, or the development one. */
  public static SslContext forClients(WardenConfig config, SecureRandom random) throws IOException {
    Path[] pair = clientPair(config, random);
    Path certificate = pair[0];
    Path key = pair[1];
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
