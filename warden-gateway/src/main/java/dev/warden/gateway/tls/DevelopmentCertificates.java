package dev.warden.gateway.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A development CA and a server certificate signed by it (EC P-256), generated once into a
 * directory and reused: {@code ca.crt} for clients' {@code sslrootcert} (verify-full), {@code
 * server.crt} and {@code server.key} for the gateway. Names: localhost, 127.0.0.1, ::1.
 */
public final class DevelopmentCertificates {
  public static final String CA_CERTIFICATE = "ca.crt";
  public static final String SERVER_CERTIFICATE = "server.crt";
  public static final String SERVER_KEY = "server.key";
  private static final Duration VALIDITY = Duration.ofDays(825);

  private DevelopmentCertificates() {}

  /** Ensures the files exist in {@code dir}; returns the directory. */
  public static Path ensure(Path dir, SecureRandom random) throws IOException {
    Path serverCert = dir.resolve(SERVER_CERTIFICATE);
    Path serverKey = dir.resolve(SERVER_KEY);
    Path caCert = dir.resolve(CA_CERTIFICATE);
    if (Files.exists(serverCert) && Files.exists(serverKey) && Files.exists(caCert)) {
      return dir;
    }
    Files.createDirectories(dir);
    try {
      KeyPair ca = newKeyPair(random);
      X509Certificate caCertificate =
          sign(
              ca,
              ca,
              new X500Name("CN=Warden development CA"),
              new X500Name("CN=Warden development CA"),
              true,
              random);
      KeyPair server = newKeyPair(random);
      X509Certificate serverCertificate =
          sign(
              server,
              ca,
              new X500Name("CN=Warden development CA"),
              new X500Name("CN=localhost"),
              false,
              random);
      write(caCert, pem("CERTIFICATE", caCertificate.getEncoded()), false);
      write(serverCert, pem("CERTIFICATE", serverCertificate.getEncoded()), false);
      write(serverKey, pem("PRIVATE KEY", server.getPrivate().getEncoded()), true);
      return dir;
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("cannot generate the development certificate: " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), random);
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(
      KeyPair subject,
      KeyPair issuer,
      X500Name issuerName,
      X500Name subjectName,
      boolean isCa,
      SecureRandom random)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            issuerName,
            new BigInteger(127, random),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(VALIDITY)),
            subjectName,
            subject.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (isCa) {
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      List<GeneralName> names =
          List.of(
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(
                  GeneralName.iPAddress, InetAddress.getByName("::1").getHostAddress()));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
    }
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static void write(Path file, String content, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    if (secret) {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the directory's own permissions must protect the key.
      }
    }
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
