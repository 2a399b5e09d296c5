package dev.warden.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;

/**
 * The audit store over JDBC: SQLite in the data directory by default, PostgreSQL for production
 * (several gateways may share one: appends take a transaction-scoped advisory lock, so the chain
 * stays one line). The same schema on both, through Flyway migrations ({@code
 * db/migration/<dialect>}); a HikariCP pool.
 *
 * <p>Appends are batches: one transaction reads the chain's head, links and inserts every record of
 * the batch, and commits (SQLite in WAL mode with {@code synchronous=FULL}: durable at commit).
 */
public final class AuditStore implements AutoCloseable {
  /** Which database: their SQL differs only in locking and upserts. */
  public enum Dialect {
    SQLITE,
    POSTGRESQL
  }

  private static final long LOCK_KEY = 0x77617264656e4155L; // "wardenAU"

  private final HikariDataSource pool;
  private final Dialect dialect;
  private final String description;

  private AuditStore(HikariDataSource pool, Dialect dialect, String description) {
    this.pool = pool;
    this.dialect = dialect;
    this.description = description;
  }

  /** The embedded store in {@code file}, each commit fsynced. */
  public static AuditStore sqlite(Path file) {
    return sqlite(file, true);
  }

  /**
   * The embedded store in {@code file}. {@code fsync}: every commit reaches the disk before it
   * returns (survives a power loss); without, a commit reaches the operating system (survives a
   * crash of the gateway, not of the machine) and the disk at WAL checkpoints.
   */
  public static AuditStore sqlite(Path file, boolean fsync) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create " + file.getParent() + ": " + e.getMessage());
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
    config.setMaximumPoolSize(4);
    config.setConnectionTimeout(Duration.ofSeconds(5).toMillis());
    config.setPoolName("warden-audit-sqlite");
    config.addDataSourceProperty("journal_mode", "WAL");
    config.addDataSourceProperty("synchronous", fsync ? "FULL" : "NORMAL");
    config.addDataSourceProperty("busy_timeout", "5000");
    config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
    AuditStore store = open(config, Dialect.SQLITE, "sqlite:" + file.toAbsolutePath());
    try {
      // Records a gateway left in the journal belong to the trail before anything reads it.
      AuditJournal.recover(AuditJournal.beside(file), store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  /**
   * A PostgreSQL store. {@code password} may be null (trust, or a password in the URL's own
   * parameters).
   */
  public static AuditStore postgresql(String jdbcUrl, String user, String password) {
    return postgresql(jdbcUrl, user, password, true);
  }

  /**
   * A PostgreSQL store; without {@code fsync}, its sessions commit with {@code synchronous_commit =
   * off} (a crash of the store's server may lose the last commits).
   */
  public static AuditStore postgresql(String jdbcUrl, String user, String password, boolean fsync) {
    HikariConfig config = new HikariConfig();
    if (!fsync) {
      config.setConnectionInitSql("SET synchronous_commit = off");
    }
    config.setJdbcUrl(jdbcUrl);
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(4);
    config.setConnectionTimeout(Duration.ofSeconds(3).toMillis());
    // A store that is down must not keep the pool from starting: connections are made on demand,
    // and statements are refused until they can be.
    config.setInitializationFailTimeout(-1);
    config.setPoolName("warden-audit-postgresql");
    config.addDataSourceProperty("connectTimeout", "3");
    config.addDataSourceProperty("socketTimeout", "10");
    // A store that accepts the connection but never finishes the login must not hold the writer.
    config.addDataSourceProperty("loginTimeout", "5");
    config.setValidationTimeout(Duration.ofSeconds(2).toMillis());
    int at = jdbcUrl.indexOf('?');
    return open(config, Dialect.POSTGRESQL, at < 0 ? jdbcUrl : jdbcUrl.substring(0, at));
  }

  private static AuditStore open(HikariConfig config, Dialect dialect, String description) {
    HikariDataSource pool = new HikariDataSource(config);
    try {
      Flyway.configure()
          .dataSource(pool)
          .locations("classpath:db/migration/" + dialect.name().toLowerCase(java.util.Locale.ROOT))
          .table("warden_schema_history")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      pool.close();
      throw new StoreUnavailableException(
          "the audit store " + description + " cannot be opened: " + e.getMessage(), e);
    }
    return new AuditStore(pool, dialect, description);
  }

  public Dialect dialect() {
    return dialect;
  }

  /** Where the store is, without credentials (for messages). */
  public String description() {
    return description;
  }

  /**
   * The appending connection and its prepared statements, kept between batches (preparing them for
   * every batch cost about a tenth of the store's CPU). Replaced after any failure.
   */
  private Connection writer;

  private PreparedStatement beginStatement;
  private PreparedStatement commitStatement;
  private PreparedStatement lockStatement;
  private PreparedStatement headStatement;
  private PreparedStatement insertStatement;
  private long writerUsedNanos;

  /** How long a kept connection may sit unused before it is checked before use. */
  private static final long WRITER_CHECK_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

  private Connection writer() throws SQLException {
    if (writer != null
        && System.nanoTime() - writerUsedNanos > WRITER_CHECK_NANOS
        && !writer.isValid(2)) {
      closeWriter();
    }
    if (writer == null) {
      Connection c = pool.getConnection();
      try {
        // Transactions are begun and ended explicitly: sqlite-jdbc without autocommit begins the
        // next (IMMEDIATE, write-locking) transaction as soon as one commits, which would lock
        // every other writer out while this connection is kept.
        c.setAutoCommit(true);
        beginStatement =
            c.prepareStatement(dialect == Dialect.SQLITE ? "BEGIN IMMEDIATE" : "BEGIN");
        commitStatement = c.prepareStatement("COMMIT");
        if (dialect == Dialect.POSTGRESQL) {
          lockStatement = c.prepareStatement("SELECT pg_advisory_xact_lock(?)");
        }
        headStatement =
            c.prepareStatement("SELECT seq, hash FROM audit_record ORDER BY seq DESC LIMIT 1");
        insertStatement =
            c.prepareStatement(
                "INSERT INTO audit_record (seq, at_ms, kind, session_id, identity,"
                    + " connection_name, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                    + " ?)");
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
      writer = c;
    }
    writerUsedNanos = System.nanoTime();
    return writer;
  }

  private void closeWriter() {
    Connection c = writer;
    writer = null;
    beginStatement = null;
    commitStatement = null;
    lockStatement = null;
    headStatement = null;
    insertStatement = null;
    if (c != null) {
      try {
        c.close(); // closes its statements; Hikari retires a broken connection
      } catch (SQLException e) {
        // already gone
      }
    }
  }

  /**
   * Appends a batch in one transaction, linked to the chain's current head; returns the stored
   * records. Either all are durable or none is.
   */
  public synchronized List<AuditRecord> append(List<AuditRecord.Draft> drafts) throws SQLException {
    return inTransaction(
        head -> {
          List<AuditRecord> stored = link(head, drafts);
          insert(stored);
          return stored;
        });
  }

  /**
   * Stores records already chained elsewhere (the journal), in one transaction. Those the store
   * holds already (the same seq and hash) are skipped; the rest must link to the store's head, or
   * nothing is stored: a gap or a fork in the chain is refused, never papered over. Returns how
   * many were stored.
   */
  public synchronized int ingest(List<AuditRecord> records) throws SQLException {
    return inTransaction(
        head -> {
          List<AuditRecord> fresh = new ArrayList<>(records.size());
          for (AuditRecord r : records) {
            if (r.seq() > head.seq()) {
              fresh.add(r);
            }
          }
          if (fresh.isEmpty()) {
            return 0;
          }
          AuditRecord first = fresh.getFirst();
          if (first.seq() != head.seq() + 1 || !first.prevHash().equals(head.hash())) {
            throw new SQLException(
                "the journal's record "
                    + first.seq()
                    + " does not link to the store's head "
                    + head.seq()
                    + ": the chain would break");
          }
          insert(fresh);
          return fresh.size();
        });
  }

  /** The chain's head as the next record links to it (after retention, the last checkpoint). */
  public synchronized Checkpoint chainHead() throws SQLException {
    return inTransaction(head -> head);
  }

  /** Chains drafts after {@code head}. */
  public static List<AuditRecord> link(Checkpoint head, List<AuditRecord.Draft> drafts) {
    List<AuditRecord> linked = new ArrayList<>(drafts.size());
    long seq = head.seq();
    String prev = head.hash();
    java.security.MessageDigest digest = Chain.digest();
    for (AuditRecord.Draft d : drafts) {
      seq++;
      String hash = Chain.hash(digest, prev, seq, d);
      linked.add(
          new AuditRecord(
              seq,
              d.atMillis(),
              d.kind(),
              d.sessionId(),
              d.identity(),
              d.connection(),
              d.payload(),
              prev,
              hash));
      prev = hash;
    }
    return linked;
  }

  private interface Work<T> {
    T run(Checkpoint head) throws SQLException;
  }

  /** Runs {@code work} in a write transaction, given the chain's head; commits or rolls back. */
  private <T> T inTransaction(Work<T> work) throws SQLException {
    Connection c = writer();
    boolean begun = false;
    try {
      beginStatement.execute();
      begun = true;
      if (lockStatement != null) {
        lockStatement.setLong(1, LOCK_KEY);
        lockStatement.execute();
      }
      Checkpoint head = new Checkpoint(0, Chain.GENESIS, 0, "", "");
      try (ResultSet rs = headStatement.executeQuery()) {
        if (rs.next()) {
          head = new Checkpoint(rs.getLong(1), rs.getString(2), 0, "", "");
        } else {
          Checkpoint base = latestCheckpoint(c);
          if (base != null) {
            // Everything was removed by retention: the chain goes on from the checkpoint.
            head = base;
          }
        }
      }
      T result = work.run(head);
      commitStatement.execute();
      return result;
    } catch (SQLException | RuntimeException | AssertionError e) {
      // pgJDBC may raise an AssertionError (with -ea) when the socket dies mid-batch: the
      // connection is as broken as after an SQLException, so it is dropped the same way.
      if (begun) {
        try (Statement rollback = c.createStatement()) {
          rollback.execute("ROLLBACK");
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      closeWriter();
      throw e;
    }
  }

  private void insert(List<AuditRecord> records) throws SQLException {
    PreparedStatement insert = insertStatement;
    for (AuditRecord r : records) {
      insert.setLong(1, r.seq());
      insert.setLong(2, r.atMillis());
      insert.setString(3, r.kind());
      insert.setString(4, r.sessionId());
      insert.setString(5, r.identity());
      insert.setString(6, r.connection());
      insert.setString(7, r.payload());
      insert.setString(8, r.prevHash());
      insert.setString(9, r.hash());
      insert.addBatch();
    }
    insert.executeBatch();
  }

  /** Records from {@code fromSeq} on, in chain order, at most {@code limit}. */
  public List<AuditRecord> read(long fromSeq, int limit) throws SQLException {
    List<AuditRecord> out = new ArrayList<>();
    scan(
        "SELECT seq, at_ms, kind, session_id, identity, connection_name, payload, prev_hash, hash"
            + " FROM audit_record WHERE seq >= ? ORDER BY seq LIMIT ?",
        ps -> {
          ps.setLong(1, fromSeq);
          ps.setInt(2, limit);
        },
        out::add);
    return out;
  }

  /** Every record of a session, in order. */
  public List<AuditRecord> session(String sessionId) throws SQLException {
    List<AuditRecord> out = new ArrayList<>();
    scan(
        "SELECT seq, at_ms, kind, session_id, identity, connection_name, payload, prev_hash, hash"
            + " FROM audit_record WHERE session_id = ? ORDER BY seq",
        ps -> ps.setString(1, sessionId),
        out::add);
    return out;
  }

  /** A recorded session, for listing: when it started and ended, who, where, how much it ran. */
  public record SessionSummary(
      String sessionId,
      String identity,
      String connection,
      long startedMillis,
      Long endedMillis,
      long statements,
      long denied,
      String startPayload) {}

  /**
   * Sessions that started in {@code [sinceMillis, untilMillis)}, newest first; null filters match
   * everything.
   */
  public List<SessionSummary> sessions(
      String identity, String connection, Long sinceMillis, Long untilMillis, int limit)
      throws SQLException {
    return sessions(identity, connection, sinceMillis, untilMillis, null, null, limit);
  }

  /**
   * The same, keeping only sessions with a statement decided under {@code rule} and/or with {@code
   * decision} (allow, deny, hold); null matches everything.
   */
  public List<SessionSummary> sessions(
      String identity,
      String connection,
      Long sinceMillis,
      Long untilMillis,
      String rule,
      String decision,
      int limit)
      throws SQLException {
    StringBuilder sql =
        new StringBuilder(
            "SELECT s.session_id, s.identity, s.connection_name, s.at_ms, s.payload,"
                + " (SELECT max(e.at_ms) FROM audit_record e WHERE e.session_id = s.session_id"
                + " AND e.kind = 'session.end'),"
                + " (SELECT count(*) FROM audit_record t WHERE t.session_id = s.session_id"
                + " AND t.kind = 'statement'),"
                + " (SELECT count(*) FROM audit_record d WHERE d.session_id = s.session_id"
                + " AND d.kind = 'statement' AND d.payload LIKE '%\"decision\":\"deny\"%')"
                + " FROM audit_record s WHERE s.kind = 'session.start'");
    List<Object> args = new ArrayList<>();
    if (identity != null) {
      sql.append(" AND s.identity = ?");
      args.add(identity);
    }
    if (connection != null) {
      sql.append(" AND s.connection_name = ?");
      args.add(connection);
    }
    if (sinceMillis != null) {
      sql.append(" AND s.at_ms >= ?");
      args.add(sinceMillis);
    }
    if (untilMillis != null) {
      sql.append(" AND s.at_ms < ?");
      args.add(untilMillis);
    }
    if (rule != null || decision != null) {
      // The statement records are compact JSON written by AuditCodec: "decision":"…","rule":"…".
      StringBuilder pattern = new StringBuilder("%");
      if (decision != null) {
        pattern.append(likeEscaped("\"decision\":\"" + decision + "\"")).append('%');
      }
      if (rule != null) {
        pattern.append(likeEscaped("\"rule\":\"" + rule + "\"")).append('%');
      }
      sql.append(
          " AND EXISTS (SELECT 1 FROM audit_record f WHERE f.session_id = s.session_id"
              + " AND f.kind = 'statement' AND f.payload LIKE ? ESCAPE '!')");
      args.add(pattern.toString());
    }
    sql.append(" ORDER BY s.seq DESC LIMIT ?");
    args.add(limit);
    List<SessionSummary> out = new ArrayList<>();
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long ended = rs.getLong(6);
          out.add(
              new SessionSummary(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getLong(4),
                  rs.wasNull() ? null : ended,
                  rs.getLong(7),
                  rs.getLong(8),
                  rs.getString(5)));
        }
      }
    }
    return out;
  }

  /**
   * {@code text} for a LIKE pattern with {@code ESCAPE '!'}: its own %, _ and ! match only
   * themselves.
   */
  private static String likeEscaped(String text) {
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
  }

  /** Records at or after {@code fromSeq} and in {@code [sinceMillis, untilMillis)}, a page. */
  public List<AuditRecord> read(long fromSeq, Long sinceMillis, Long untilMillis, int limit)
      throws SQLException {
    List<AuditRecord> out = new ArrayList<>();
    scan(
        "SELECT seq, at_ms, kind, session_id, identity, connection_name, payload, prev_hash, hash"
            + " FROM audit_record WHERE seq >= ? AND at_ms >= ? AND at_ms < ? ORDER BY seq LIMIT ?",
        ps -> {
          ps.setLong(1, fromSeq);
          ps.setLong(2, sinceMillis == null ? Long.MIN_VALUE : sinceMillis);
          ps.setLong(3, untilMillis == null ? Long.MAX_VALUE : untilMillis);
          ps.setInt(4, limit);
        },
        out::add);
    return out;
  }

  /** Calls {@code each} for every record from {@code fromSeq} on, in pages, in chain order. */
  public void forEach(long fromSeq, Consumer<AuditRecord> each) throws SQLException {
    long next = fromSeq;
    while (true) {
      List<AuditRecord> page = read(next, 2000);
      page.forEach(each);
      if (page.size() < 2000) {
        return;
      }
      next = page.getLast().seq() + 1;
    }
  }

  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private void scan(String sql, Binder binder, Consumer<AuditRecord> each) throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          each.accept(
              new AuditRecord(
                  rs.getLong(1),
                  rs.getLong(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getString(7),
                  rs.getString(8),
                  rs.getString(9)));
        }
      }
    }
  }

  /** The chain's head: the last record's seq and hash, or (0, GENESIS). */
  public Checkpoint head() throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT seq, hash, at_ms FROM audit_record ORDER BY seq DESC LIMIT 1")) {
      return rs.next()
          ? new Checkpoint(rs.getLong(1), rs.getString(2), rs.getLong(3), "", "")
          : new Checkpoint(0, Chain.GENESIS, 0, "", "");
    }
  }

  public void saveCheckpoint(Checkpoint checkpoint) throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                dialect == Dialect.POSTGRESQL
                    ? "INSERT INTO audit_checkpoint (seq, hash, at_ms, key_id, signature) VALUES"
                        + " (?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING"
                    : "INSERT OR IGNORE INTO audit_checkpoint (seq, hash, at_ms, key_id,"
                        + " signature) VALUES (?, ?, ?, ?, ?)")) {
      ps.setLong(1, checkpoint.seq());
      ps.setString(2, checkpoint.hash());
      ps.setLong(3, checkpoint.atMillis());
      ps.setString(4, checkpoint.keyId());
      ps.setString(5, checkpoint.signature());
      ps.executeUpdate();
    }
  }

  public List<Checkpoint> checkpoints() throws SQLException {
    List<Checkpoint> out = new ArrayList<>();
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT seq, hash, at_ms, key_id, signature FROM audit_checkpoint ORDER BY seq")) {
      while (rs.next()) {
        out.add(
            new Checkpoint(
                rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5)));
      }
    }
    return out;
  }

  private static Checkpoint latestCheckpoint(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT seq, hash, at_ms, key_id, signature FROM audit_checkpoint"
                    + " ORDER BY seq DESC LIMIT 1")) {
      return rs.next()
          ? new Checkpoint(
              rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5))
          : null;
    }
  }

  /**
   * Retention: removes every record up to and including the newest signed checkpoint older than
   * {@code cutoffMillis}, so what remains still verifies from that checkpoint. Returns how many
   * records went.
   */
  public int removeBefore(long cutoffMillis) throws SQLException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      long through;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT max(seq) FROM audit_checkpoint WHERE at_ms < ? AND seq <= (SELECT"
                  + " coalesce(max(seq), 0) FROM audit_record)")) {
        ps.setLong(1, cutoffMillis);
        try (ResultSet rs = ps.executeQuery()) {
          through = rs.next() ? rs.getLong(1) : 0;
        }
      }
      if (through <= 0) {
        c.rollback();
        return 0;
      }
      int removed;
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM audit_record WHERE seq <= ?")) {
        ps.setLong(1, through);
        removed = ps.executeUpdate();
      }
      c.commit();
      return removed;
    }
  }

  /** A connection to the store's database, for tests and tools that inspect it directly. */
  public Connection connection() throws SQLException {
    return pool.getConnection();
  }

  @Override
  public void close() {
    synchronized (this) {
      closeWriter();
    }
    pool.close();
  }
}
