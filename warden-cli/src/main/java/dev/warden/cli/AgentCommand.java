package dev.warden.cli;

import dev.warden.gateway.Transport;
import dev.warden.gateway.agent.Agent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code warden agent}: runs beside the databases, dials out to the gateway's {@code listen.agents}
 * and carries the sessions of the connections that name it ({@code agent:}), so the databases need
 * no inbound port from the gateway's network.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description =
        "Run an agent beside the databases: it dials out to the gateway and carries the sessions"
            + " of the connections that name it.")
public final class AgentCommand implements Callable<Integer> {
  @Option(
      names = "--gateway",
      required = true,
      paramLabel = "HOST:PORT",
      description = "The gateway's listen.agents address.")
  String gateway;

  @Option(
      names = "--name",
      required = true,
      description = "This agent's name, as under agents: in the gateway's configuration.")
  String name;

  @Option(
      names = "--key-env",
      defaultValue = "WARDEN_AGENT_KEY",
      paramLabel = "VAR",
      description =
          "Environment variable holding this agent's key (default: ${DEFAULT-VALUE}); never on"
              + " the command line.")
  String keyEnv;

  @Option(
      names = "--key-file",
      paramLabel = "FILE",
      description = "File holding this agent's key (instead of --key-env).")
  Path keyFile;

  @Option(
      names = "--ca",
      paramLabel = "FILE",
      description =
          "CA certificate (PEM) the gateway's certificate must chain to (default: the"
              + " system's trusted CAs).")
  Path ca;

  @Option(
      names = "--server-name",
      paramLabel = "NAME",
      description = "Name the gateway's certificate must carry (default: the host of --gateway).")
  String serverName;

  @Option(
      names = "--allow",
      required = true,
      paramLabel = "HOST:PORT",
      description =
          "A database address the gateway may ask this agent to connect to (repeat for more);"
              + " anything else is refused.")
  List<String> allow;

  @Option(
      names = "--connect-timeout",
      defaultValue = "PT10S",
      description = "Timeout to reach the gateway or a database (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(
      names = "--keepalive",
      defaultValue = "PT15S",
      description =
          "After this long with nothing from the gateway, send it a PING; after three such"
              + " intervals, drop the link and dial again (default: ${DEFAULT-VALUE}).")
  Duration keepalive;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    int colon = gateway.lastIndexOf(':');
    if (colon <= 0) {
      throw new CliError("--gateway must be HOST:PORT, not '" + gateway + "'");
    }
    String host = gateway.substring(0, colon);
    int port = Integer.parseInt(gateway.substring(colon + 1));
    String key = keyFile != null ? Files.readString(keyFile).strip() : System.getenv(keyEnv);
    if (key == null || key.isBlank()) {
      throw new CliError("no agent key: set " + keyEnv + " (or --key-env VAR, or --key-file FILE)");
    }
    SslContextBuilder tls = SslContextBuilder.forClient().protocols("TLSv1.3", "TLSv1.2");
    if (ca != null) {
      tls.trustManager(ca.toFile());
    }
    SslContext context = tls.build();
    Agent agent =
        new Agent(
                new Agent.Settings(
                    host,
                    port,
                    serverName != null ? serverName : host,
                    name,
                    key,
                    new LinkedHashSet<>(allow),
                    connectTimeout,
                    keepalive),
                context,
                Transport.best())
            .start();
    spec.commandLine()
        .getErr()
        .println("warden agent " + name + ": dialing " + gateway + "; allowed: " + allow);
    spec.commandLine().getErr().flush();
    Shutdown.awaitThenClose(agent);
    return 0;
  }
}
