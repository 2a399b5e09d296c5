package dev.warden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.audit.AuditEvent;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditRecord;
import dev.warden.store.AuditStore;
import dev.warden.store.StoreAuditLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code warden audit verify} on a data directory's SQLite store: intact says so (exit 0); an
 * edited, deleted or swapped record makes it fail (exit 3) and name the position.
 */
class AuditVerifyCommandTest {
  Path dataDir;

  @BeforeEach
  void trail() throws Exception {
    dataDir = Files.createTempDirectory("warden-verify");
    AuditStore store = AuditStore.sqlite(dataDir.resolve("audit.db"));
    try (StoreAuditLog log =
        new StoreAuditLog(
            store,
            AuditKeys.loadOrCreate(dataDir.resolve("audit-signing.key")),
            Clock.systemUTC(),
            20,
            Duration.ofSeconds(10))) {
      for (int i = 0; i < 50; i++) {
        log.appendDurably(
                new AuditEvent.AuthenticationFailed(Instant.now(), "127.0.0.1", "u" + i, "bad"))
            .join();
      }
    }
    store.close();
  }

  String[] verify() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new WardenCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(out));
    int code = cli.execute("audit", "verify", "--data-dir", dataDir.toString());
    return new String[] {String.valueOf(code), out.toString()};
  }

  void sql(String sql, Object... args) throws Exception {
    try (AuditStore store = AuditStore.sqlite(dataDir.resolve("audit.db"));
        Connection c = store.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      ps.executeUpdate();
    }
  }

  @Test
  void anIntactTrailVerifies() {
    String[] result = verify();
    assertThat(result[0]).isEqualTo("0");
    assertThat(result[1]).contains("audit trail intact: 50 records (1 to 50)");
  }

  @Test
  void anEditIsNamed() throws Exception {
    sql("UPDATE audit_record SET payload = replace(payload, 'u16', 'u99') WHERE seq = 17");
    String[] result = verify();
    assertThat(result[0]).isEqualTo("3");
    assertThat(result[1]).contains("TAMPERED at record 17").contains("was edited");
  }

  @Test
  void aDeletionIsNamed() throws Exception {
    sql("DELETE FROM audit_record WHERE seq = 23");
    String[] result = verify();
    assertThat(result[0]).isEqualTo("3");
    assertThat(result[1]).contains("TAMPERED at record 23").contains("missing");
  }

  @Test
  void aSwapIsNamed() throws Exception {
    List<AuditRecord> two;
    try (AuditStore store = AuditStore.sqlite(dataDir.resolve("audit.db"))) {
      two = store.read(30, 2);
    }
    for (int k = 0; k < 2; k++) {
      AuditRecord from = two.get(1 - k);
      sql(
          "UPDATE audit_record SET payload = ?, prev_hash = ?, hash = ?, at_ms = ? WHERE seq = ?",
          from.payload(),
          from.prevHash(),
          from.hash(),
          from.atMillis(),
          30L + k);
    }
    String[] result = verify();
    assertThat(result[0]).isEqualTo("3");
    assertThat(result[1]).contains("TAMPERED at record 30");
  }
}
