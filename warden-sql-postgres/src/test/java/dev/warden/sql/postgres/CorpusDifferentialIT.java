package dev.warden.sql.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.core.sql.FunctionCatalog;
import dev.warden.core.sql.Statement;
import dev.warden.core.sql.StatementClass;
import dev.warden.core.sql.StatementPart;
import dev.warden.core.sql.TableRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The differential test: every corpus statement runs against a sandbox copy of the demo schema on
 * the machine's PostgreSQL, inside a transaction that is rolled back, and what the server really
 * wrote — tables with inserted, updated or deleted tuples ({@code pg_stat_xact_user_tables}) and
 * catalog rows changed — is compared with the analyzer's prediction. Any write the server performed
 * that the analyzer did not predict fails the test. Over-prediction is fine: the analyzer may see a
 * write in a statement that then fails.
 *
 * <p>The sandbox belongs to an ordinary role (no superuser), as Warden's database user should. A
 * statement that can reach outside the transaction is not run (it is still decided by {@link
 * CorpusTest}): transaction control, COPY (client protocol, programs and server files), and
 * functions with effects a rollback does not undo (terminating backends, replication slots, large
 * objects on the server's file system, advisory locks, reloading configuration).
 */
class CorpusDifferentialIT {
  static final String HOST = System.getenv().getOrDefault("WARDEN_TEST_PGHOST", "127.0.0.1");
  static final int PORT =
      Integer.parseInt(System.getenv().getOrDefault("WARDEN_TEST_PGPORT", "5432"));
  static final String USER = System.getenv().getOrDefault("WARDEN_TEST_PGUSER", "postgres");
  static final String SANDBOX = "warden_corpus_sandbox";
  static final String ROLE = "warden_corpus_owner";

  /** Catalogs whose rows change with DDL, DCL and their kin. */
  static final List<String> CATALOGS =
      List.of(
          "pg_class",
          "pg_namespace",
          "pg_proc",
          "pg_type",
          "pg_attribute",
          "pg_attrdef",
          "pg_constraint",
          "pg_index",
          "pg_trigger",
          "pg_rewrite",
          "pg_description",
          "pg_policy",
          "pg_sequence",
          "pg_statistic_ext",
          "pg_extension",
          "pg_default_acl",
          "pg_largeobject_metadata",
          "pg_publication",
          "pg_auth_members",
          "pg_database",
          "pg_db_role_setting");

  /** Functions whose effects a rollback does not undo, or that reach outside the database. */
  static final Set<String> OUTSIDE =
      Set.of(
          "pg_read_file",
          "pg_read_binary_file",
          "pg_ls_dir",
          "pg_stat_file",
          "lo_import",
          "lo_export",
          "dblink",
          "dblink_exec",
          "pg_terminate_backend",
          "pg_cancel_backend",
          "pg_reload_conf",
          "pg_rotate_logfile",
          "pg_switch_wal",
          "pg_promote",
          "pg_create_logical_replication_slot",
          "pg_create_physical_replication_slot",
          "pg_stat_reset",
          "pg_advisory_lock",
          "pg_sleep",
          "nextval",
          "setval");

  static final PostgresAnalyzer ANALYZER = new PostgresAnalyzer(PgQuery.load());
  static final FunctionCatalog FUNCTIONS = FunctionCatalog.builtin();
  static Connection sandbox;

  @BeforeAll
  static void createSandbox() throws Exception {
    try (Connection admin = connect("postgres", USER);
        java.sql.Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + SANDBOX + " WITH (FORCE)");
      s.execute(
          "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
              + ROLE
              + "') THEN CREATE ROLE "
              + ROLE
              + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$");
      s.execute("CREATE DATABASE " + SANDBOX + " OWNER " + ROLE);
    }
    // Like Warden's own database user: an ordinary role that owns the schema, not a superuser.
    sandbox = connect(SANDBOX, ROLE);
    try (java.sql.Statement s = sandbox.createStatement()) {
      s.execute(resource("/corpus/schema.sql"));
    }
    sandbox.setAutoCommit(false);
  }

  @AfterAll
  static void dropSandbox() throws Exception {
    if (sandbox != null) {
      sandbox.close();
    }
    try (Connection admin = connect("postgres", USER);
        java.sql.Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + SANDBOX + " WITH (FORCE)");
    }
  }

  static Connection connect(String database, String user) throws SQLException {
    java.util.Properties props = new java.util.Properties();
    props.setProperty("user", user);
    // One Query message per corpus string, as psql sends it.
    props.setProperty("preferQueryMode", "simple");
    return DriverManager.getConnection(
        "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database, props);
  }

  static String resource(String name) throws IOException {
    try (InputStream in = CorpusDifferentialIT.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void everyWriteTheServerPerformsWasPredicted() throws Exception {
    List<Corpus.Case> cases =
        Stream.concat(
                Corpus.load("agent-adversarial.sql").cases().stream(),
                Corpus.load("agent-benign.sql").cases().stream())
            .toList();
    List<String> unpredicted = new ArrayList<>();
    int ran = 0;
    int wrote = 0;
    for (Corpus.Case c : cases) {
      Statement statement = ANALYZER.analyze(c.sql()).qualified("public");
      if (reachesOutside(statement)) {
        continue;
      }
      ran++;
      Observed observed = run(c.sql());
      if (!observed.tables().isEmpty() || observed.catalogChanged()) {
        wrote++;
      }
      for (String table : observed.tables()) {
        if (!predictsWrite(statement, table)) {
          unpredicted.add(
              c + "\n    the server wrote " + table + "; predicted: " + writes(statement));
        }
      }
      if (observed.catalogChanged() && !predictsCatalogChange(statement)) {
        unpredicted.add(
            c + "\n    the server changed catalogs; predicted class " + statement.statementClass());
      }
    }
    System.out.printf(
        "differential corpus: %d statements, %d run against the server, %d of them wrote%n",
        cases.size(), ran, wrote);
    assertThat(unpredicted).as("writes the analyzer did not predict").isEmpty();
    // The comparison means something only if most of the corpus ran and some of it wrote.
    assertThat(ran).isGreaterThan(cases.size() * 3 / 4);
    assertThat(wrote).isGreaterThan(40);
  }

  record Observed(Set<String> tables, boolean catalogChanged) {}

  /** Runs one string in a transaction that is rolled back; what it wrote. */
  static Observed run(String sql) throws SQLException {
    try (java.sql.Statement s = sandbox.createStatement()) {
      s.execute("SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '2s'");
      long[] before = catalogCounts(s);
      // Before and after, in the same transaction: the view also holds counts of earlier
      // transactions this backend has not yet flushed, so only the difference is this statement's.
      java.util.Map<String, Long> tuplesBefore = tuplesWritten(s);
      s.execute("SAVEPOINT corpus");
      boolean failed = false;
      try {
        s.execute(sql);
        while (s.getMoreResults() || s.getUpdateCount() != -1) {
          // drain every result of a multi-statement string
        }
      } catch (SQLException e) {
        failed = true;
        s.execute("ROLLBACK TO SAVEPOINT corpus");
      }
      // The catalog change shows only if the statement completed (a failed one was rolled back
      // to the savepoint; what it had written still counts in the table statistics below).
      boolean catalogChanged = !failed && !java.util.Arrays.equals(before, counts(s));
      Set<String> tables = new LinkedHashSet<>();
      tuplesWritten(s)
          .forEach(
              (table, n) -> {
                if (n > tuplesBefore.getOrDefault(table, 0L)) {
                  tables.add(table);
                }
              });
      return new Observed(tables, catalogChanged);
    } finally {
      sandbox.rollback();
      try (java.sql.Statement s = sandbox.createStatement()) {
        // Prepared statements and LISTEN survive a rollback; each case starts clean.
        s.execute("DEALLOCATE ALL; UNLISTEN *; RESET ALL");
      }
      sandbox.rollback();
    }
  }

  /** Tuples inserted, updated and deleted per table, as this backend's statistics count them. */
  static java.util.Map<String, Long> tuplesWritten(java.sql.Statement s) throws SQLException {
    java.util.Map<String, Long> out = new java.util.HashMap<>();
    try (ResultSet rs =
        s.executeQuery(
            "SELECT schemaname, relname, n_tup_ins + n_tup_upd + n_tup_del"
                + " FROM pg_catalog.pg_stat_xact_user_tables")) {
      while (rs.next()) {
        out.put(rs.getString(1) + "." + rs.getString(2), rs.getLong(3));
      }
    }
    return out;
  }

  /** The catalog counts, or null when the catalogs cannot even be read any more. */
  static long[] counts(java.sql.Statement s) {
    try {
      return catalogCounts(s);
    } catch (SQLException e) {
      return null;
    }
  }

  /** Per catalog: its row count and how many of its rows this transaction wrote. */
  static long[] catalogCounts(java.sql.Statement s) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < CATALOGS.size(); i++) {
      String c = "pg_catalog." + CATALOGS.get(i);
      sql.append(i == 0 ? "" : ", ")
          .append("(SELECT count(*) FROM ")
          .append(c)
          .append("), (SELECT count(*) FROM ")
          .append(c)
          .append(" WHERE xmin::text::bigint >= pg_catalog.txid_current() % 4294967296)");
    }
    try (ResultSet rs = s.executeQuery(sql.toString())) {
      rs.next();
      long[] counts = new long[CATALOGS.size() * 2];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = rs.getLong(i + 1);
      }
      return counts;
    }
  }

  static boolean reachesOutside(Statement statement) {
    for (StatementPart part : statement.parts()) {
      if (part.statementClass() == StatementClass.TRANSACTION
          || part.statementClass() == StatementClass.COPY
          || part.verb().equals("LOAD")
          // pgJDBC closes its connection when the client encoding changes.
          || part.settings().contains("client_encoding")
          || part.verb().equals("ALTER SYSTEM")
          || part.functions().stream()
              .map(f -> f.substring(f.lastIndexOf('.') + 1))
              .anyMatch(OUTSIDE::contains)) {
        return true;
      }
    }
    return false;
  }

  /** Predicted: the table is among the writes (unqualified names match any schema), or opaque. */
  static boolean predictsWrite(Statement statement, String table) {
    String schema = table.substring(0, table.indexOf('.'));
    String name = table.substring(table.indexOf('.') + 1);
    for (StatementPart part : statement.parts()) {
      if (opaque(part)) {
        return true;
      }
      for (TableRef ref : part.writes()) {
        if (ref.name().equals(name)
            && (ref.schema() == null
                || ref.schema().equals(schema)
                || schema.startsWith("pg_temp"))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Predicted: a schema, privilege or utility statement, or opaque code. TRUNCATE too: it writes
   * the table it names (predicted as such) by giving it new storage, a pg_class update.
   */
  static boolean predictsCatalogChange(Statement statement) {
    for (StatementPart part : statement.parts()) {
      if (opaque(part)
          || part.verb().equals("TRUNCATE")
          || part.statementClass() == StatementClass.DDL
          || part.statementClass() == StatementClass.DCL
          || part.statementClass() == StatementClass.UTILITY) {
        return true;
      }
    }
    return false;
  }

  /** Code the analysis cannot see into: DO, CALL, and functions that may write. */
  static boolean opaque(StatementPart part) {
    return part.verb().equals("DO")
        || part.verb().equals("CALL")
        || part.functions().stream().anyMatch(FUNCTIONS::mayWrite);
  }

  static String writes(Statement statement) {
    return statement.parts().stream().flatMap(p -> p.writes().stream()).toList().toString();
  }
}
