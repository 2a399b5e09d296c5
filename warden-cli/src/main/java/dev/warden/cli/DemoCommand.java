package dev.warden.cli;

import dev.warden.cli.demo.Demo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code warden demo}: the shop database behind the gateway, with two identities. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the demo: an embedded shop database behind the gateway.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--env-file",
      defaultValue = "warden-demo.env",
      description = "Where to write connection settings (default: ${DEFAULT-VALUE}).")
  Path envFile;

  @Option(
      names = "--data-dir",
      defaultValue = "warden-demo-data",
      description =
          "Working directory for the database and the gateway (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--pg-port",
      defaultValue = "15432",
      description = "Gateway PostgreSQL port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int pgPort;

  @Option(
      names = "--admin-port",
      defaultValue = "8080",
      description = "Gateway admin HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int adminPort;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Demo demo = Demo.start(new Demo.Options(dataDir, envFile, pgPort, adminPort));
    printGuide(spec.commandLine().getOut(), demo.environment(), envFile);
    Shutdown.awaitThenClose(demo);
    return 0;
  }

  static void printGuide(PrintWriter out, Map<String, String> env, Path envFile) {
    String port = env.get("WARDEN_DEMO_PGPORT");
    Path absolute = envFile.toAbsolutePath().normalize();
    Path relative = Path.of("").toAbsolutePath().relativize(absolute);
    String source = relative.toString().startsWith("..") ? absolute.toString() : "./" + relative;
    out.printf(
        """

        Warden demo is ready.
          gateway     127.0.0.1:%s  (connection "shop")
          admin       %s/health
          env file    %s

        Try this in another shell:
          . %s
          PGPASSWORD="$WARDEN_DEMO_AGENT_TOKEN" psql "host=127.0.0.1 port=$WARDEN_DEMO_PGPORT dbname=shop user=agent sslmode=require" \\
            -c 'SELECT id, full_name, card_number FROM customers ORDER BY id LIMIT 5'
          PGPASSWORD="$WARDEN_DEMO_AGENT_TOKEN" psql "host=127.0.0.1 port=$WARDEN_DEMO_PGPORT dbname=shop user=agent sslmode=verify-full sslrootcert=$WARDEN_DEMO_CA_CERT" -c '\\dt'
          echo "jdbc:postgresql://127.0.0.1:$WARDEN_DEMO_PGPORT/shop?sslmode=require&user=agent&password=$WARDEN_DEMO_AGENT_TOKEN"   # a JDBC URL
          psql "$WARDEN_DEMO_DIRECT_URL" -c 'SELECT count(*) FROM orders'   # the database itself, as its owner

        The agent's token is its only credential: the database password stays inside Warden.
        Foundation release: every statement passes the pipeline and is allowed; policy,
        masking, approvals and the audit trail arrive in the next releases.
        Stop with Ctrl-C.
        """,
        port, env.get("WARDEN_DEMO_ADMIN_URL"), absolute, source);
    out.flush();
  }
}
