package dev.warden.demo;

import dev.warden.cli.CliError;
import dev.warden.cli.Extension;
import dev.warden.cli.Shutdown;
import dev.warden.gateway.PortInUseException;
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
    subcommands = DemoCommand.Token.class,
    mixinStandardHelpOptions = true,
    description = "Run the demo: an embedded shop database behind the gateway.")
public final class DemoCommand implements Callable<Integer>, Extension {
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
      names = "--mysql-port",
      defaultValue = "13306",
      description =
          "Gateway MySQL port, for the demo's MariaDB (default: ${DEFAULT-VALUE}; 0 picks a free"
              + " one; -1: no MySQL door).")
  int mysqlPort;

  @Option(
      names = "--mcp-port",
      defaultValue = "18443",
      description =
          "Gateway MCP port, for AI agents over the Model Context Protocol (default:"
              + " ${DEFAULT-VALUE}; 0 picks a free one; -1: no MCP door).")
  int mcpPort;

  @Option(
      names = "--admin-port",
      defaultValue = "8080",
      description = "Gateway admin HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int adminPort;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Demo demo;
    try {
      demo = Demo.start(new Demo.Options(dataDir, envFile, pgPort, adminPort, mysqlPort, mcpPort));
    } catch (PortInUseException e) {
      String what =
          switch (e.setting()) {
            case "listen.admin" -> "admin API";
            case "listen.mysql" -> "MySQL listener";
            case "listen.mcp" -> "MCP listener";
            default -> "PostgreSQL listener";
          };
      String option =
          switch (e.setting()) {
            case "listen.admin" -> "--admin-port";
            case "listen.mysql" -> "--mysql-port";
            case "listen.mcp" -> "--mcp-port";
            default -> "--pg-port";
          };
      throw new CliError(
          "port "
              + e.port()
              + " is already in use (the demo's "
              + what
              + "); pick another with "
              + option
              + " (0 picks a free one)");
    }
    printGuide(spec.commandLine().getOut(), demo.environment(), envFile);
    Shutdown.awaitThenClose(demo);
    return 0;
  }

  static void printGuide(PrintWriter out, Map<String, String> env, Path envFile) {
    String port = env.get("WARDEN_DEMO_PGPORT");
    Path absolute = envFile.toAbsolutePath().normalize();
    Path relative = Path.of("").toAbsolutePath().relativize(absolute);
    String source = relative.toString().startsWith("..") ? absolute.toString() : "./" + relative;
    String tokenEnvFile =
        relative.toString().equals("warden-demo.env") ? "" : " --env-file " + absolute;
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

          bin/warden demo token%s --sub my-agent --groups code-assistant   # a token for any identity

        The agent's token (an OIDC JWT from the demo's identity provider, valid 24 h) is its only
        credential: the database password stays inside Warden. The sample policy is enforced
        (policy.json in the data directory): the agent may read and write public and billing,
        but SELECT * FROM internal.api_keys is denied, DROP TABLE and DELETE wait in the
        session for the dba's approval (bin/warden approvals list / show ID — a DELETE shows the
        planner's row estimate — / approve ID, with WARDEN_TOKEN=$WARDEN_DEMO_DBA_TOKEN), COPY TO
        PROGRAM is denied. Card numbers, SSNs and
        e-mails come back masked, however the query is written (try
        SELECT reverse(x) FROM (SELECT card_number AS x FROM customers) s). Every session is
        recorded: bin/warden sessions list, sessions replay ID, audit verify.
        Stop with Ctrl-C.
        """,
        port, env.get("WARDEN_DEMO_ADMIN_URL"), absolute, source, tokenEnvFile);
    if (env.containsKey("WARDEN_DEMO_MYSQL_PORT")) {
      out.printf(
          """

          The same shop in MariaDB, behind Warden's MySQL door on 127.0.0.1:%s (connection
          "shop_mysql", the same sample policy, the same token):
            mysql -h 127.0.0.1 -P $WARDEN_DEMO_MYSQL_PORT -u agent --ssl --password="$WARDEN_DEMO_AGENT_TOKEN" shop_mysql \\
              -e 'SELECT id, full_name, card_number FROM customers ORDER BY id LIMIT 5'
            echo "jdbc:mariadb://127.0.0.1:$WARDEN_DEMO_MYSQL_PORT/shop_mysql?sslMode=trust&user=agent&password=$WARDEN_DEMO_AGENT_TOKEN"
          """,
          env.get("WARDEN_DEMO_MYSQL_PORT"));
    }
    out.printf(
        """

        The web console (approvals, sessions and replay, audit, policy, what-if, grants):
          %s/console/   sign in on the demo issuer's page as any user with claims {"groups": ["dba"]}
        """,
        env.get("WARDEN_DEMO_ADMIN_URL"));
    if (env.containsKey("WARDEN_DEMO_MCP_URL")) {
      out.printf(
          """

          AI agents over MCP, the same token and policy, at %s
          (Streamable HTTP; the client must trust the demo CA, e.g. NODE_EXTRA_CA_CERTS=$WARDEN_DEMO_CA_CERT):
            claude mcp add --transport http warden "$WARDEN_DEMO_MCP_URL" --header "Authorization: Bearer $WARDEN_DEMO_AGENT_TOKEN"
          or in an MCP client's JSON configuration (clients that expand ${VAR}, after . the env file):
            {"mcpServers": {"warden": {"type": "http", "url": "%s",
              "headers": {"Authorization": "Bearer ${WARDEN_DEMO_AGENT_TOKEN}"}}}}
          Tools: list_connections, query (reads only), explain, execute (holds come back as an
          approval request), approval_status, wait_for_approval, run_approved.
          """,
          env.get("WARDEN_DEMO_MCP_URL"), env.get("WARDEN_DEMO_MCP_URL"));
    }
    out.flush();
  }

  /** {@code warden demo token}: mints a token from the running demo's identity provider. */
  @Command(
      name = "token",
      mixinStandardHelpOptions = true,
      description =
          "Print a token from the running demo's identity provider, for any subject and groups.")
  public static final class Token implements Callable<Integer> {
    @Option(names = "--sub", required = true, description = "Subject of the token.")
    String subject;

    @Option(
        names = "--groups",
        split = ",",
        defaultValue = "",
        description = "Comma-separated groups claim (e.g. code-assistant or dba).")
    java.util.List<String> groups;

    @Option(
        names = "--ttl",
        defaultValue = "PT1H",
        description = "Lifetime as an ISO-8601 duration (default: ${DEFAULT-VALUE}).")
    java.time.Duration lifetime;

    @Option(
        names = "--env-file",
        defaultValue = "warden-demo.env",
        description = "The running demo's env file (default: ${DEFAULT-VALUE}).")
    Path envFile;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Map<String, String> env = new java.util.HashMap<>();
      if (!java.nio.file.Files.exists(envFile)) {
        spec.commandLine()
            .getErr()
            .println(
                "warden: "
                    + envFile
                    + " not found: start `warden demo` first (or pass --env-file)");
        return 2;
      }
      for (String line : java.nio.file.Files.readAllLines(envFile)) {
        int eq = line.indexOf('=');
        if (!line.startsWith("#") && eq > 0) {
          env.put(line.substring(0, eq), line.substring(eq + 1).replaceAll("^'|'$", ""));
        }
      }
      String issuer = env.get("WARDEN_DEMO_ISSUER");
      String key = env.get("WARDEN_DEMO_IDP_KEY");
      if (issuer == null || key == null) {
        spec.commandLine()
            .getErr()
            .println("warden: " + envFile + " has no WARDEN_DEMO_ISSUER / WARDEN_DEMO_IDP_KEY");
        return 2;
      }
      java.util.List<String> cleanGroups = groups.stream().filter(g -> !g.isBlank()).toList();
      spec.commandLine()
          .getOut()
          .println(DemoIdentityProvider.mint(Path.of(key), issuer, subject, cleanGroups, lifetime));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
