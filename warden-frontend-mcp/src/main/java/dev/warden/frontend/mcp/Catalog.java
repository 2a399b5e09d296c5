package dev.warden.frontend.mcp;

import dev.warden.core.admission.BoundParameters;
import dev.warden.core.admission.SessionAdmission;
import dev.warden.core.admission.SessionLink;
import dev.warden.core.approval.Estimate;
import dev.warden.core.mask.MaskGuard;
import dev.warden.core.policy.Masking;
import dev.warden.core.session.SessionContext;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.gateway.ServerContext;
import dev.warden.gateway.config.WardenConfig.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What an agent may learn about a connection's tables, from the gateway's own catalog and the
 * kernel's decisions — never a decision of the door's: a table is listed when the kernel would not
 * refuse the caller {@code SELECT * FROM} it (its preview: decided, neither recorded nor counted),
 * and a column is marked masked when the kernel's masking gives it a rule for the caller.
 */
final class Catalog {
  private final ServerContext server;
  private final ScheduledExecutorService loop;

  Catalog(ServerContext server, ScheduledExecutorService loop) {
    this.server = server;
    this.loop = loop;
  }

  static String quote(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  /** The tables of {@code connection} the caller may read, optionally of one schema. */
  List<Map<String, Object>> readable(Caller caller, Connection connection, String schema) {
    ColumnCatalog catalog = server.catalogs().columns(connection.name());
    SessionAdmission previews = previews(caller, connection);
    List<Map<String, Object>> out = new ArrayList<>();
    for (String qualified : catalog.tables()) {
      int dot = qualified.indexOf('.');
      String s = qualified.substring(0, dot);
      String table = qualified.substring(dot + 1);
      if (MaskGuard.system(s) || (schema != null && !schema.equals(s))) {
        continue;
      }
      Statement read = server.pipeline().analyze("SELECT * FROM " + quote(s) + "." + quote(table));
      if (previews.preview(read) == null) {
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("schema", s);
        one.put("name", table);
        one.put("columns", catalog.columnsOf(s, table).size());
        one.put("view", catalog.isView(s, table));
        out.add(one);
      }
    }
    return out;
  }

  /** The schema a table name without one is in: the only one, else public when it has it. */
  String schemaOf(Connection connection, String table) {
    List<ColumnCatalog.Column> columns =
        server.catalogs().columns(connection.name()).columnsOf(null, table);
    List<String> schemas =
        columns.stream().map(ColumnCatalog.Column::schema).distinct().sorted().toList();
    if (schemas.size() == 1) {
      return schemas.getFirst();
    }
    return schemas.contains("public") || schemas.isEmpty() ? "public" : schemas.getFirst();
  }

  /** How each column of a table is masked for the caller: by column name, its rule (or absent). */
  Map<String, Masking.ColumnMask> masks(
      Caller caller, Connection connection, String schema, String table) {
    Masking masking = server.pipeline().masking(caller.authenticated().roles(), connection.name());
    Map<String, Masking.ColumnMask> out = new LinkedHashMap<>();
    if (!masking.active()) {
      return out;
    }
    ColumnCatalog catalog = server.catalogs().columns(connection.name());
    for (ColumnCatalog.Column column : catalog.columnsOf(schema, table)) {
      Masking.ColumnMask mask = MaskGuard.reported(masking, catalog, column);
      if (mask != null) {
        out.put(column.name(), mask);
      }
    }
    return out;
  }

  /** A kernel session of the caller's used only for previews: never started, nothing recorded. */
  private SessionAdmission previews(Caller caller, Connection connection) {
    SessionContext context =
        server
            .admissions()
            .authorize(caller.authenticated(), connection.name(), true, caller.address(), "mcp");
    return server
        .admissions()
        .open(
            context,
            new SessionLink() {
              @Override
              public ScheduledExecutorService loop() {
                return loop;
              }

              @Override
              public boolean open() {
                return true;
              }

              @Override
              public void notice(String message, String hint) {}

              @Override
              public CompletableFuture<Estimate> estimate(
                  Statement statement, BoundParameters parameters) {
                return CompletableFuture.completedFuture(Estimate.unavailable("a preview"));
              }
            });
  }
}
