package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.gateway.DatabaseCatalogs;
import dev.warden.gateway.config.WardenConfig.Connection;
import dev.warden.protocol.postgres.message.AuthenticationCleartextPassword;
import dev.warden.protocol.postgres.message.AuthenticationMd5Password;
import dev.warden.protocol.postgres.message.AuthenticationOk;
import dev.warden.protocol.postgres.message.AuthenticationSasl;
import dev.warden.protocol.postgres.message.AuthenticationSaslContinue;
import dev.warden.protocol.postgres.message.AuthenticationSaslFinal;
import dev.warden.protocol.postgres.message.BackendKeyData;
import dev.warden.protocol.postgres.message.BackendMessage;
import dev.warden.protocol.postgres.message.CommandComplete;
import dev.warden.protocol.postgres.message.DataRow;
import dev.warden.protocol.postgres.message.ErrorResponse;
import dev.warden.protocol.postgres.message.NoticeResponse;
import dev.warden.protocol.postgres.message.ParameterStatus;
import dev.warden.protocol.postgres.message.PasswordMessage;
import dev.warden.protocol.postgres.message.Query;
import dev.warden.protocol.postgres.message.ReadyForQuery;
import dev.warden.protocol.postgres.message.RowDescription;
import dev.warden.protocol.postgres.message.SaslInitialResponse;
import dev.warden.protocol.postgres.message.SaslResponse;
import dev.warden.protocol.postgres.message.StartupMessage;
import dev.warden.protocol.postgres.scram.Md5Password;
import dev.warden.protocol.postgres.scram.SaltedPasswordCache;
import dev.warden.protocol.postgres.scram.ScramException;
import dev.warden.protocol.postgres.scram.ScramSha256Client;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a backend session with the gateway-held credential: sends the startup message, answers
 * SCRAM-SHA-256, MD5 or cleartext authentication, and collects the parameters and key the server
 * reports until it is ready for queries. The credential never reaches the client.
 */
final class BackendStartupHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(BackendStartupHandler.class);

  private final Connection connection;
  private final Map<String, String> startupParameters;
  private final Promise<BackendConnection> promise;
  private final SecureRandom random;
  private final SaltedPasswordCache scramCache;
  private final Map<String, String> reported = new LinkedHashMap<>();

  /** Comma-joined schemas of the effective search path (existing ones only). */
  static final String SEARCH_PATH_QUERY =
      "SELECT pg_catalog.array_to_string(pg_catalog.current_schemas(false), ',')";

  /**
   * Every function of the database and its volatility, read with the search path when this
   * connection's catalog is missing or old.
   */
  static final String FUNCTIONS_QUERY =
      "SELECT n.nspname, p.proname, p.provolatile FROM pg_catalog.pg_proc p"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace";

  /**
   * Every column of every table, view and materialized view, the system catalogs' included: a
   * system relation's columns are known by name, so {@code SELECT *} over pg_catalog or
   * information_schema is masked column by column (only where a rule names a column), never whole.
   */
  static final String COLUMNS_QUERY =
      "SELECT c.oid, a.attnum, n.nspname, c.relname, a.attname FROM pg_catalog.pg_attribute a"
          + " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f')"
          + " AND n.nspname NOT LIKE 'pg\\_toast%'"
          + " ORDER BY c.oid, a.attnum";

  /**
   * Every view's definition, schema-qualified throughout: the search path is emptied for the rest
   * of the catalog read (a setting local to its implicit transaction), so pg_get_viewdef names each
   * table with its schema.
   */
  static final String VIEWS_QUERY =
      "SELECT pg_catalog.set_config('search_path', '', true);"
          + " SELECT n.nspname, c.relname, pg_catalog.pg_get_viewdef(c.oid)"
          + " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind IN ('v','m') AND n.nspname NOT IN ('pg_catalog', 'information_schema')";

  private final ColumnCatalog.Builder columns = new ColumnCatalog.Builder();

  /** Where to put the function catalog read; null when this session need not read it. */
  private final DatabaseCatalogs catalogs;

  private final FunctionCatalog.Builder functions = new FunctionCatalog.Builder();
  private int resultSets;

  private ScramSha256Client scram;
  private boolean probed;
  private List<String> searchPath = List.of();
  private boolean authenticated;
  private BackendKeyData key;

  BackendStartupHandler(
      Connection connection,
      Map<String, String> startupParameters,
      Promise<BackendConnection> promise,
      SecureRandom random,
      SaltedPasswordCache scramCache,
      DatabaseCatalogs catalogs) {
    this.catalogs = catalogs;
    this.connection = connection;
    this.startupParameters = startupParameters;
    this.promise = promise;
    this.random = random;
    this.scramCache = scramCache;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (ctx.pipeline().get(BackendTlsNegotiator.class) == null) {
      sendStartup(ctx);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == BackendTlsNegotiator.READY) {
      sendStartup(ctx);
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  private void sendStartup(ChannelHandlerContext ctx) {
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("user", connection.user());
    parameters.put("database", connection.database());
    parameters.putAll(startupParameters);
    ctx.writeAndFlush(new StartupMessage(3, 0, parameters));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      // DataRow values are slices of the frame: it is released only after they are read.
      handle(ctx, BackendMessage.decode(frame));
    } finally {
      frame.release();
    }
  }

  private void handle(ChannelHandlerContext ctx, BackendMessage message) {
    switch (message) {
      case AuthenticationOk m -> authenticated = true;
      case AuthenticationCleartextPassword m -> {
        requireSecureForCleartext(ctx);
        ctx.writeAndFlush(new PasswordMessage(password()));
      }
      case AuthenticationMd5Password m ->
          ctx.writeAndFlush(
              new PasswordMessage(Md5Password.response(connection.user(), password(), m.salt())));
      case AuthenticationSasl m -> {
        if (!m.mechanisms().contains(ScramSha256Client.MECHANISM)) {
          throw unavailable(
              "the database offers SASL mechanisms "
                  + m.mechanisms()
                  + ", none of which Warden supports");
        }
        scram = new ScramSha256Client(password(), random, scramCache);
        ctx.writeAndFlush(
            new SaslInitialResponse(ScramSha256Client.MECHANISM, scram.clientFirstMessage()));
      }
      case AuthenticationSaslContinue m ->
          ctx.writeAndFlush(new SaslResponse(scram().clientFinalMessage(m.data())));
      case AuthenticationSaslFinal m -> scram().verifyServerFinal(m.data());
      case ParameterStatus m -> reported.put(m.name(), m.value());
      case BackendKeyData m -> key = m;
      case NoticeResponse m ->
          LOG.debug("notice from database during startup of connection {}", connection.name());
      case ErrorResponse m -> {
        LOG.warn(
            "database refused the gateway on connection {}: {} {}",
            connection.name(),
            m.sqlState(),
            m.message());
        throw unavailable(
            "the database refused the gateway's session (SQLSTATE " + m.sqlState() + ")");
      }
      case ReadyForQuery m -> {
        if (!authenticated || key == null) {
          throw unavailable("the database was ready before authentication completed");
        }
        if (!probed) {
          // Which schemas unqualified names resolve to, before the client may change it.
          probed = true;
          ctx.writeAndFlush(
              new Query(
                  catalogs == null
                      ? SEARCH_PATH_QUERY
                      : SEARCH_PATH_QUERY
                          + ";"
                          + FUNCTIONS_QUERY
                          + ";"
                          + COLUMNS_QUERY
                          + ";"
                          + VIEWS_QUERY));
          return;
        }
        if (catalogs != null) {
          catalogs.loaded(connection.name(), functions, columns);
        }
        ctx.channel().config().setAutoRead(false);
        promise.trySuccess(
            new BackendConnection(ctx.channel(), reported, key, m.status(), searchPath));
      }
      case RowDescription m -> resultSets++;
      case CommandComplete m -> {}
      case DataRow m when resultSets == 5 -> {
        List<ByteBuf> values = m.values();
        if (values.get(2) != null) {
          columns.view(text(values.get(0)), text(values.get(1)), text(values.get(2)));
        }
      }
      case DataRow m when resultSets == 4 -> {} // set_config's answer
      case DataRow m when resultSets == 3 -> {
        List<ByteBuf> values = m.values();
        columns.add(
            MaskPlan.key(
                Integer.parseUnsignedInt(text(values.get(0))),
                Integer.parseInt(text(values.get(1)))),
            text(values.get(2)),
            text(values.get(3)),
            text(values.get(4)));
      }
      case DataRow m when resultSets == 2 -> {
        List<ByteBuf> values = m.values();
        functions.add(
            values.get(0).toString(java.nio.charset.StandardCharsets.UTF_8),
            values.get(1).toString(java.nio.charset.StandardCharsets.UTF_8),
            (char) values.get(2).getByte(values.get(2).readerIndex()));
      }
      case DataRow m -> {
        ByteBuf value = m.values().isEmpty() ? null : m.values().getFirst();
        String schemas =
            value == null ? "" : value.toString(java.nio.charset.StandardCharsets.UTF_8);
        searchPath = schemas.isEmpty() ? List.of() : List.of(schemas.split(","));
      }
      default ->
          throw unavailable(
              "unexpected "
                  + message.getClass().getSimpleName()
                  + " from the database during startup");
    }
  }

  private static String text(ByteBuf value) {
    return value.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private ScramSha256Client scram() {
    if (scram == null) {
      throw unavailable("the database continued a SASL exchange that was never started");
    }
    return scram;
  }

  private String password() {
    if (connection.password() == null) {
      throw unavailable(
          "the database asks for a password, but connection '"
              + connection.name()
              + "' has none configured");
    }
    return connection.password().value();
  }

  private void requireSecureForCleartext(ChannelHandlerContext ctx) {
    boolean tls = ctx.pipeline().get(SslHandler.class) != null;
    boolean loopback =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a && isLoopback(a.getAddress());
    if (!tls && !loopback) {
      throw unavailable(
          "the database asks for a cleartext password over an unencrypted connection; enable TLS for connection '"
              + connection.name()
              + "'");
    }
  }

  private static boolean isLoopback(InetAddress address) {
    return address != null && address.isLoopbackAddress();
  }

  private static WardenException unavailable(String message) {
    return new WardenException(ErrorCode.BACKEND_UNAVAILABLE, message);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable c =
        cause.getCause() != null && !(cause instanceof WardenException) ? cause.getCause() : cause;
    WardenException failure =
        switch (c) {
          case WardenException e -> e;
          case ScramException e ->
              unavailable("SCRAM authentication with the database failed: " + e.getMessage());
          default -> unavailable("the database connection failed: " + c.getMessage());
        };
    promise.tryFailure(failure);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    promise.tryFailure(unavailable("the database closed the connection during startup"));
  }
}
