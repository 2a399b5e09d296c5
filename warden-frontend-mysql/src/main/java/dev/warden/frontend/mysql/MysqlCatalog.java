package dev.warden.frontend.mysql;

import dev.warden.core.mask.ResultMasks;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.FunctionCatalog;
import dev.warden.protocol.mysql.message.Capabilities;
import dev.warden.protocol.mysql.message.ColumnDefinition41;
import dev.warden.protocol.mysql.message.Command;
import dev.warden.protocol.mysql.message.EofPacket;
import dev.warden.protocol.mysql.message.ErrPacket;
import dev.warden.protocol.mysql.message.OkPacket;
import dev.warden.protocol.mysql.message.Packet;
import dev.warden.protocol.mysql.message.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A MySQL connection's catalog, read on a new session's backend before it starts (when it is
 * missing, old or stale): every table's and view's columns in order, the views' definitions, and
 * the stored functions — all of them volatile to the policy, since MySQL does not hold a function
 * to what it declares (a function declared NO SQL may still write). A result column is then masked
 * by the base column its definition names, or whole when its table is not in the catalog (a
 * relation created since, a temporary table, a derived table).
 */
final class MysqlCatalog {
  private static final String COLUMNS =
      "SELECT table_schema, table_name, column_name FROM information_schema.columns"
          + " ORDER BY table_schema, table_name, ordinal_position";
  private static final String VIEWS =
      "SELECT table_schema, table_name, view_definition FROM information_schema.views";
  private static final String FUNCTIONS =
      "SELECT routine_schema, routine_name FROM information_schema.routines"
          + " WHERE routine_type = 'FUNCTION'";

  private MysqlCatalog() {}

  /** A result column as the kernel's masks see it. */
  static ResultMasks.Column describe(ColumnDefinition41 c, String schema, ColumnCatalog catalog) {
    if (c.orgTable().isEmpty() || c.orgName().isEmpty()) {
      return ResultMasks.Column.COMPUTED;
    }
    String s = lower(c.schema().isEmpty() ? schema : c.schema());
    String table = lower(c.orgTable());
    if (s == null || catalog.columnsOf(s, table).isEmpty()) {
      return new ResultMasks.Column(null, true);
    }
    return new ResultMasks.Column(new ColumnCatalog.Column(s, table, lower(c.orgName())), false);
  }

  /** A result named a relation the catalog does not know: the next session reads it again. */
  static void refreshSoon(MysqlSession session) {
    session.door.server.catalogs().markStale(session.connection.name());
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  /** Reads the catalog on {@code database} (before its relay is installed) if it is due. */
  static CompletableFuture<Void> loadIfDue(
      MysqlDoor door, Channel database, String connection, int capabilities, String version) {
    if (!door.server.pipeline().analyzesStatements()
        || !door.server.catalogs().claimLoad(connection)) {
      return CompletableFuture.completedFuture(null);
    }
    boolean deprecateEof = Capabilities.has(capabilities, Capabilities.DEPRECATE_EOF);
    ColumnCatalog.Builder columns = new ColumnCatalog.Builder();
    FunctionCatalog.Builder functions = door.functions();
    return query(database, COLUMNS, deprecateEof)
        .thenCompose(
            rows -> {
              long key = 0;
              for (String[] r : rows) {
                columns.add(key++, lower(r[0]), lower(r[1]), lower(r[2]));
              }
              return query(database, VIEWS, deprecateEof);
            })
        .thenCompose(
            rows -> {
              for (String[] r : rows) {
                if (r[2] != null) {
                  columns.view(lower(r[0]), lower(r[1]), r[2]);
                }
              }
              return query(database, FUNCTIONS, deprecateEof);
            })
        .thenAccept(
            rows -> {
              for (String[] r : rows) {
                functions.add(lower(r[0]), lower(r[1]), 'v');
              }
              door.server
                  .catalogs()
                  .loaded(connection, functions, columns, door.analyzer(version)::analyze);
            });
  }

  /** Runs one query in the text protocol on a channel no one else reads; its rows as strings. */
  static CompletableFuture<List<String[]>> query(
      Channel channel, String sql, boolean deprecateEof) {
    CompletableFuture<List<String[]>> result = new CompletableFuture<>();
    channel
        .pipeline()
        .addLast(
            "catalog",
            new ChannelInboundHandlerAdapter() {
              private int columns = -1;
              private int definitions;
              private boolean rowsStarted;
              private final List<String[]> rows = new ArrayList<>();

              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                Packet p = (Packet) msg;
                try {
                  read(ctx, p);
                } catch (RuntimeException e) {
                  finish(ctx);
                  result.completeExceptionally(e);
                } finally {
                  p.release();
                }
              }

              private void read(ChannelHandlerContext ctx, Packet p) {
                if (ErrPacket.is(p)) {
                  finish(ctx);
                  result.completeExceptionally(
                      new IllegalStateException(ErrPacket.decode(p.payload()).message()));
                  return;
                }
                if (columns < 0) {
                  if (OkPacket.is(p)) {
                    finish(ctx);
                    result.complete(rows);
                    return;
                  }
                  columns = (int) Wire.readLengthEncoded(p.payload());
                  return;
                }
                if (definitions < columns) {
                  definitions++;
                  return;
                }
                if (!rowsStarted && !deprecateEof && EofPacket.is(p)) {
                  rowsStarted = true;
                  return;
                }
                rowsStarted = true;
                if (OkPacket.endsRows(p)) {
                  finish(ctx);
                  result.complete(rows);
                  return;
                }
                ByteBuf in = p.payload();
                String[] row = new String[columns];
                for (int i = 0; i < columns; i++) {
                  byte[] v = Wire.readLengthEncodedBytes(in);
                  row[i] = v == null ? null : new String(v, StandardCharsets.UTF_8);
                }
                rows.add(row);
              }

              private void finish(ChannelHandlerContext ctx) {
                ctx.pipeline().remove(this);
              }

              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                result.completeExceptionally(new IllegalStateException("the database closed"));
                ctx.fireChannelInactive();
              }
            });
    byte[] text = sql.getBytes(StandardCharsets.UTF_8);
    byte[] payload = new byte[text.length + 1];
    payload[0] = (byte) Command.COM_QUERY;
    System.arraycopy(text, 0, payload, 1, text.length);
    channel.writeAndFlush(Packet.of(0, payload));
    return result;
  }
}
