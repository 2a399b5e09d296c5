package dev.warden.cli;

import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.ChainVerifier;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden audit}: verify the trail's integrity, export it. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = "Verify and export the audit trail.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
public final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * {@code warden audit verify}: walks the chain in the store itself (not through the gateway it is
   * checking) with the checkpoints' public key.
   */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Walk the hash chain and the signed checkpoints; report the first edited, deleted or"
              + " reordered record. Exit 0 when intact, 3 when not.")
  public static final class Verify implements Callable<Integer> {
    @Option(names = "--config", description = "The gateway's configuration (its audit section).")
    Path config;

    @Option(names = "--data-dir", description = "A data directory holding audit.db (SQLite).")
    Path dataDir;

    @Option(names = "--store-url", description = "A PostgreSQL store: jdbc:postgresql://…")
    String storeUrl;

    @Option(names = "--user", description = "The PostgreSQL store's user.")
    String user;

    @Option(
        names = "--password-env",
        description = "The environment variable holding the PostgreSQL store's password.")
    String passwordEnv;

    @Option(
        names = "--public-key",
        description =
            "The checkpoints' public key (default: audit-signing.key.pub beside the data).")
    Path publicKey;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      Path keyFile = publicKey;
      AuditStore store;
      if (config != null) {
        WardenConfig c = new ConfigLoader(System::getenv).load(config);
        WardenConfig.Audit a = c.audit();
        keyFile = keyFile != null ? keyFile : a.signingKey();
        store =
            a.store().equals("postgresql")
                ? AuditStore.postgresql(
                    a.url(), a.user(), a.password() == null ? null : a.password().value())
                : AuditStore.sqlite(c.dataDir().resolve("audit.db"));
      } else if (storeUrl != null) {
        if (keyFile == null) {
          err.println("warden: --store-url needs --public-key");
          err.flush();
          return 2;
        }
        store =
            AuditStore.postgresql(
                storeUrl, user, passwordEnv == null ? null : System.getenv(passwordEnv));
      } else if (dataDir != null) {
        Path db = dataDir.resolve("audit.db");
        if (!Files.exists(db)) {
          err.println("warden: no audit store at " + db);
          err.flush();
          return 2;
        }
        keyFile = keyFile != null ? keyFile : dataDir.resolve("audit-signing.key");
        store = AuditStore.sqlite(db);
      } else {
        err.println("warden: say where the store is: --config, --data-dir or --store-url");
        err.flush();
        return 2;
      }
      try (store) {
        List<PublicKey> keys = new ArrayList<>();
        keys.add(AuditKeys.publicKey(keyFile));
        ChainVerifier.Report report = ChainVerifier.verify(store, keys);
        if (report.ok()) {
          out.printf(
              "audit trail intact: %d records (%d to %d), %d signed checkpoints, key %s%n",
              report.records(),
              report.firstSeq(),
              report.lastSeq(),
              report.checkpoints(),
              AuditKeys.keyId(keys.getFirst()));
          out.flush();
          return 0;
        }
        out.printf(
            "audit trail TAMPERED at record %d: %s%n(%d records read, %d signed checkpoints)%n",
            report.position(), report.problem(), report.records(), report.checkpoints());
        out.flush();
        return 3;
      }
    }
  }

  /** {@code warden audit export}: JSON lines from the admin API, for a SIEM. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Export audit records as JSON lines (streamed; progress on a terminal).")
  public static final class Export implements Callable<Integer> {
    @Mixin AdminClient.Options api = new AdminClient.Options();

    @Option(names = "--since", description = "Records at or after: an instant or an age (2h, 7d).")
    String since;

    @Option(names = "--until", description = "Records before: an instant or an age.")
    String until;

    @Option(names = "--after", description = "Records after this sequence number (resume).")
    Long after;

    @Option(
        names = "--format",
        defaultValue = "jsonl",
        description = "Only jsonl (one JSON object per line).")
    String format;

    @Option(
        names = {"-o", "--output"},
        description = "Write to this file (default: stdout).")
    Path output;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (!format.equals("jsonl")) {
        return SessionsCommand.fail(spec, "--format " + format + ": only jsonl is supported");
      }
      Map<String, String> q = new LinkedHashMap<>();
      q.put("since", since);
      q.put("until", until);
      q.put("after", after == null ? null : after.toString());
      // A progress line on the terminal when the records go to a file.
      boolean progress = System.console() != null && output != null;
      long count = 0;
      try (var in = new AdminClient(api).stream("/api/audit", q);
          var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
          OutputStream sink =
              output == null ? new PrintStream(System.out, false) : Files.newOutputStream(output)) {
        String line;
        while ((line = reader.readLine()) != null) {
          sink.write(line.getBytes(StandardCharsets.UTF_8));
          sink.write('\n');
          count++;
          if (progress && count % 1000 == 0) {
            System.err.print("\rexported " + count + " records");
            System.err.flush();
          }
        }
        sink.flush();
      } catch (AdminClient.ApiException e) {
        return SessionsCommand.fail(spec, e.getMessage());
      }
      if (progress || output != null) {
        System.err.println(
            (progress ? "\r" : "")
                + "exported "
                + count
                + " records"
                + (output == null ? "" : " to " + output));
      }
      return 0;
    }
  }
}
