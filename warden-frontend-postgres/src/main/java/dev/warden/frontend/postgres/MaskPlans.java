package dev.warden.frontend.postgres;

import dev.warden.core.error.ErrorCode;
import dev.warden.core.error.WardenException;
import dev.warden.core.mask.MaskGuard;
import dev.warden.core.mask.MaskStrategy;
import dev.warden.core.mask.OutputMasks;
import dev.warden.core.mask.ResultMasks;
import dev.warden.core.policy.Masking;
import dev.warden.core.sql.ColumnCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.protocol.postgres.message.RowDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's mask plans: a result's RowDescription turned into the neutral description of its
 * columns the kernel decides masks over (each column's base relation and name, through the
 * connection's catalog, keyed by table OID and attribute number), and the kernel's decision into a
 * {@link MaskPlan} of the bytes. A column of a relation created since the catalog was read is
 * masked whole: the client is told, and the catalog is read again.
 */
final class MaskPlans {
  private static final Logger LOG = LoggerFactory.getLogger(MaskPlans.class);

  private final PostgresContext context;
  private final Session session;

  MaskPlans(PostgresContext context, Session session) {
    this.context = context;
    this.session = session;
  }

  /**
   * The plan for a result of {@code statement} in this session, or null when nothing in it can need
   * masking; {@code traced}: the masks the analysis traced to its columns (null: traced here).
   */
  MaskPlan of(
      RowDescription description, Masking masking, Statement statement, OutputMasks traced) {
    ColumnCatalog columns = context.catalogs().columns(session.context.connection());
    MaskPlan plan =
        of(
            description,
            masking,
            columns,
            traced != null ? traced : MaskGuard.outputMasks(statement, masking, columns));
    if (plan != null && plan.uncatalogued) {
      catalogStale();
    }
    return plan;
  }

  /**
   * The plan for a result, or null when nothing in it can need masking: each column's mask as the
   * kernel decides it ({@link ResultMasks}) from where the server says the column comes from (the
   * table OID and attribute number, through the connection's catalog) and the lineage the analysis
   * traced; this plan only carries it out on the bytes.
   */
  static MaskPlan of(
      RowDescription description, Masking masking, ColumnCatalog catalog, OutputMasks traced) {
    if (!masking.active()) {
      return null;
    }
    List<RowDescription.Field> fields = description.fields();
    int n = fields.size();
    List<ResultMasks.Column> columns = new ArrayList<>(n);
    for (RowDescription.Field f : fields) {
      ColumnCatalog.Column origin =
          f.tableOid() == 0 ? null : catalog.column(key(f.tableOid(), f.columnNumber()));
      columns.add(new ResultMasks.Column(origin, origin == null && uncatalogued(f, catalog)));
    }
    ResultMasks decided = ResultMasks.of(columns, masking, catalog, traced);
    if (decided == null) {
      return null;
    }
    int[] actions = new int[n];
    MaskStrategy[] strategies = new MaskStrategy[n];
    boolean[] textType = new boolean[n];
    boolean[] binary = new boolean[n];
    int[] types = new int[n];
    for (int i = 0; i < n; i++) {
      RowDescription.Field f = fields.get(i);
      types[i] = f.typeOid();
      textType[i] = MaskPlan.isText(f.typeOid());
      binary[i] = f.format() == 1;
      Masking.ColumnMask mask = decided.masks().get(i);
      if (mask != null) {
        actions[i] = MaskPlan.MASK;
        strategies[i] = mask.strategy();
      } else if (decided.classifiers() != null) {
        actions[i] = MaskPlan.CLASSIFY;
      }
    }
    MaskPlan plan =
        new MaskPlan(actions, strategies, textType, binary, types, masking.classifiers());
    plan.uncatalogued = decided.uncatalogued();
    return plan;
  }

  /** The catalog key of a column as a RowDescription names it: table OID and attribute number. */
  static long key(int tableOid, int attnum) {
    return (Integer.toUnsignedLong(tableOid) << 16) | (attnum & 0xFFFF);
  }

  /** The first OID PostgreSQL gives a user's object; below it, the system's own (initdb). */
  private static final long FIRST_NORMAL_OID = 16384;

  /** Whether a field comes from a user's relation the catalog does not know. */
  static boolean uncatalogued(RowDescription.Field f, ColumnCatalog catalog) {
    return Integer.toUnsignedLong(f.tableOid()) >= FIRST_NORMAL_OID
        && catalog.column(key(f.tableOid(), f.columnNumber())) == null;
  }

  /**
   * Rows whose shape Warden does not know cannot be masked; they are never guessed at (blanked or
   * passed): the session ends with an error saying so.
   */
  static WardenException shapeUnknown(String sessionId) {
    LOG.error("session {}: a result arrived whose columns Warden cannot trace", sessionId);
    return new WardenException(
        ErrorCode.INTERNAL,
        "Warden could not tell where this result's columns come from, so it cannot mask them;"
            + " no rows were altered and the session was closed",
        "reconnect and retry; if it happens again, report it with the statement to the operator");
  }

  /**
   * A result column came from a relation the catalog does not know (created since it was read), so
   * it was masked whole: the client is told, and the catalog is read again (on a backend session of
   * its own) so the next statement is masked by what the relation really is.
   */
  private void catalogStale() {
    String connection = session.context.connection();
    session.output.write(
        PostgresErrors.notice(
            "warden: a result column comes from a relation created since Warden read the catalog"
                + " of connection "
                + connection
                + "; it is masked whole this time while the catalog is read again",
            "run the statement again"));
    if (context.catalogs().markStale(connection)) {
      BackendConnector.connect(
              context,
              session.backend.eventLoop(),
              context.config().connections().get(connection),
              Map.of("application_name", "warden-catalog"))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  ((BackendConnection) f.getNow()).channel().close();
                }
              });
    }
  }
}
