package dev.warden.cli;

import dev.warden.cli.wiring.Gateway;
import dev.warden.gateway.config.ConfigException;
import dev.warden.gateway.config.ConfigLoader;
import dev.warden.gateway.config.WardenConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code warden gateway --config FILE}: runs the gateway until stopped. */
@Command(name = "gateway", mixinStandardHelpOptions = true, description = "Run the gateway.")
public final class GatewayCommand implements Callable<Integer> {
  @Option(
      names = "--config",
      required = true,
      paramLabel = "FILE",
      description = "Configuration file (.json, .yaml or .yml).")
  Path config;

  @Override
  public Integer call() throws Exception {
    WardenConfig loaded;
    try {
      loaded = new ConfigLoader(System::getenv).load(config);
    } catch (ConfigException e) {
      System.err.println("warden: " + e.getMessage());
      return 2;
    }
    Gateway gateway = Gateway.start(loaded);
    // SIGTERM drains first: new sessions are refused, running statements finish (up to
    // limits.drainTimeout), then everything closes.
    Shutdown.awaitThenClose(
        () -> {
          gateway.drain(loaded.limits().drainTimeout());
          gateway.close();
        });
    return 0;
  }
}
