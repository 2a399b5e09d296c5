package dev.warden.frontend.mysql;

import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.SqlAnalyzer;
import dev.warden.gateway.FrontDoor;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.mysql.codec.PacketEncoder;
import io.netty.channel.ChannelHandler;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The MySQL/MariaDB door: clients speak the MySQL protocol (the {@code mysql} client, Connector/J,
 * PyMySQL, mysql2…) to the connections registered with {@code protocol: mysql}.
 */
public final class MysqlDoor implements FrontDoor {
  /** The version Warden greets with until a backend's own is known. */
  static final String FALLBACK_VERSION = "8.0.36-warden";

  final ServerContext server;
  final PacketEncoder encoder = new PacketEncoder();

  /** Each MySQL connection's server version, from its greeting. */
  final ConcurrentMap<String, String> serverVersions = new ConcurrentHashMap<>();

  /**
   * The live sessions by the connection id Warden gave their clients (what {@code KILL QUERY n}
   * names; the database's own thread ids never reach a client through the greeting).
   */
  final ConcurrentMap<Long, MysqlSession> sessionsById = new ConcurrentHashMap<>();

  private final Function<String, SqlAnalyzer> analyzers;
  private final ConcurrentMap<String, SqlAnalyzer> analyzerByVersion = new ConcurrentHashMap<>();
  private final Supplier<FunctionCatalog.Builder> functions;

  /** sql_mode flags that change how the server reads text: no session runs with them. */
  final Set<String> parserModes;

  /**
   * @param analyzers the MySQL analyzer for a server of a given version string (its versioned
   *     comments depend on it); used only when the gateway analyses statements (a policy is set)
   * @param functions a function catalog builder holding MySQL's built-ins, to which a connection's
   *     stored functions are added when its catalog is read
   * @param parserModes the sql_mode flags the analyzer cannot read text under (ANSI_QUOTES,
   *     NO_BACKSLASH_ESCAPES, …): Warden removes them from every session's mode at its start
   */
  public MysqlDoor(
      ServerContext server,
      Function<String, SqlAnalyzer> analyzers,
      Supplier<FunctionCatalog.Builder> functions,
      Set<String> parserModes) {
    this.server = server;
    this.analyzers = analyzers;
    this.functions = functions;
    this.parserModes = Set.copyOf(parserModes);
  }

  @Override
  public String setting() {
    return "listen.mysql";
  }

  @Override
  public ChannelHandler initializer() {
    return new MysqlChannelInitializer(this);
  }

  /** The analyzer for a server of this version, or the pipeline's own when none analyses. */
  SqlAnalyzer analyzer(String serverVersion) {
    if (!server.pipeline().analyzesStatements()) {
      return server.pipeline()::analyze;
    }
    return analyzerByVersion.computeIfAbsent(serverVersion, analyzers);
  }

  /**
   * The statement that takes the parser-affecting flags out of a session's sql_mode, whatever it
   * is, in one round trip (used after COM_RESET_CONNECTION brings back the global mode). It reads
   * the same under any sql_mode: single quotes, no backslashes, no {@code ||}.
   */
  String readableModeStatement() {
    String mode = "CONCAT(',', @@session.sql_mode, ',')";
    for (String flag : parserModes.stream().sorted().toList()) {
      mode = "REPLACE(" + mode + ", '," + flag + ",', ',')";
    }
    return "SET SESSION sql_mode = TRIM(BOTH ',' FROM " + mode + ")";
  }

  /**
   * Checks the token or key a client sent as its password in clear (a trailing NUL dropped; the
   * bytes wiped), off the event loop: at login and on COM_CHANGE_USER alike.
   */
  java.util.concurrent.CompletableFuture<dev.warden.core.identity.Authenticated> authenticate(
      byte[] password) {
    int length = password.length;
    if (length > 0 && password[length - 1] == 0) {
      length--;
    }
    dev.warden.core.identity.Credential credential =
        new dev.warden.core.identity.Credential(
            new String(password, 0, length, java.nio.charset.StandardCharsets.UTF_8));
    java.util.Arrays.fill(password, (byte) 0);
    return java.util.concurrent.CompletableFuture.supplyAsync(
        () -> server.authenticator().authenticate(credential), server.blockingExecutor());
  }

  /** A connection id for a new client, not held by a live session. */
  long newConnectionId() {
    while (true) {
      long id = server.random().nextInt(1, Integer.MAX_VALUE);
      if (!sessionsById.containsKey(id)) {
        return id;
      }
    }
  }

  FunctionCatalog.Builder functions() {
    return functions.get();
  }

  /** The MySQL connection whose server version the greeting shows (the first by name). */
  Connection greetingConnection() {
    return server.config().connections().values().stream()
        .filter(Connection::mysql)
        .min(Comparator.comparing(Connection::name))
        .orElse(null);
  }
}
