package dev.warden.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** PostgreSQL servers of the tests' own, on loopback, with the pg_hba.conf a test needs. */
final class EmbeddedDatabases {
  private EmbeddedDatabases() {}

  /** Starts a fresh cluster under {@code dir} with {@code hba} as its pg_hba.conf. */
  static EmbeddedPostgres start(Path dir, String hba, Map<String, String> settings)
      throws IOException {
    Path hbaFile = dir.resolve("pg_hba.conf");
    Files.writeString(hbaFile, hba);
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir.resolve("pg"))
            .setCleanDataDirectory(true)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("hba_file", hbaFile.toString())
            .setServerConfig("password_encryption", "scram-sha-256");
    settings.forEach(builder::setServerConfig);
    return builder.start();
  }
}
