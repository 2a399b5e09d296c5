package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.core.audit.AuditLog;
import dev.warden.store.AuditKeys;
import dev.warden.store.AuditStore;
import dev.warden.store.ChainVerifier;
import dev.warden.store.StoreAuditLog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every front door shows, because every door admits through the same kernel: the same
 * statement by the same identity gets the same decision, the same masks, the same hold and the same
 * audit record whichever door it came through. A door's subclass starts a gateway with this policy
 * in front of its database and says how a client of its protocol connects (through JDBC, so the
 * checks read the same for every door); the checks compare with the same statements run directly.
 * As {@code AuditStoreContract} is for the audit stores, this is for the doors: the PostgreSQL door
 * runs it ({@link PostgresFrontDoorIT}), and so will the MySQL door.
 *
 * <p>The policy: the agent may read and change the contract's tables, card numbers are masked
 * (keep-last 4) and the name column is not, a DELETE needs a dba's approval (ask mode), a write may
 * change at most one row and a result returns at most three; everything else is default deny.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class FrontDoorContract {
  static final String CARD = "4111111111111111";
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  /** A gateway with this contract's policy in front of a door's database. */
  protected interface Door extends AutoCloseable {
    /** A client of this door's protocol, through Warden, signed in with {@code credential}. */
    Connection connect(String credential) throws SQLException;

    /** The database itself, as its owner: to set up, and to see what really happened. */
    Connection direct() throws SQLException;

    /** The agent's credential (role agent). */
    String agentKey();

    /** An approver's credential (role dba), for the admin API. */
    String approverKey();

    int adminPort();

    @Override
    void close();
  }

  /**
   * Starts a gateway whose policy is {@code policy} (a file; object names in it are qualified by
   * {@link #schema()}), whose audit trail is {@code audit}, where the agent's key has role {@code
   * agent} and the approver's role {@code dba} with permission to read approvals.
   */
  protected abstract Door open(Path policy, AuditLog audit) throws Exception;

  /** The schema (PostgreSQL) or database (MySQL) the contract's tables are created in. */
  protected abstract String schema();

  private Door door;
  private AuditStore store;
  private Path dir;

  @BeforeAll
  void startDoor() throws Exception {
    dir = Files.createTempDirectory("warden-door-contract");
    store = AuditStore.sqlite(dir.resolve("audit.db"));
    AuditKeys keys = AuditKeys.loadOrCreate(dir.resolve("audit-signing.key"));
    StoreAuditLog audit =
        new StoreAuditLog(store, keys, Clock.systemUTC(), 500, Duration.ofSeconds(1));
    Path policy = dir.resolve("policy.json");
    Files.writeString(policy, policy(schema()));
    createTables();
    door = open(policy, audit);
  }

  @AfterAll
  void stopDoor() {
    if (door != null) {
      door.close(); // closes the audit log too
    }
    if (store != null) {
      store.close();
    }
  }

  static String policy(String schema) {
    return """
        {"version": 1, "grants": [{
          "id": "agent-contract", "roles": ["agent"], "connections": ["test"],
          "allow": [
            {"id": "contract.rw", "classes": ["READ", "WRITE"], "verbs": ["SELECT", "INSERT", "UPDATE"],
             "objects": ["S.door_*"]},
            {"id": "contract.session", "classes": ["SESSION", "TRANSACTION"]}
          ],
          "hold": [
            {"id": "contract.ask-delete", "verbs": ["DELETE"], "objects": ["S.door_*"], "mode": "ask",
             "approvers": ["dba"], "timeout": "60s"}
          ],
          "masks": [{"id": "contract.mask-card", "columns": ["S.door_customers.card_number"],
                     "strategy": "keep-last", "keep": 4}],
          "limits": {"maxRowsAffected": 1, "maxRowsReturned": 3}
        }]}
        """
        .replace("S.", schema + ".");
  }

  /**
   * The contract's tables, created before the gateway starts so its first session reads them into
   * the catalog (a relation created later is masked whole until the catalog is read again).
   */
  void createTables() throws SQLException {
    String s = schema();
    try (Connection direct = direct();
        Statement st = direct.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + s + ".door_customers");
      st.execute(
          "CREATE TABLE "
              + s
              + ".door_customers (id INT PRIMARY KEY, full_name VARCHAR(64),"
              + " card_number VARCHAR(32))");
      st.execute("DROP TABLE IF EXISTS " + s + ".door_numbers");
      st.execute("CREATE TABLE " + s + ".door_numbers (n INT PRIMARY KEY)");
    }
  }

  /** The database itself, as its owner, before the gateway is up (see {@link Door#direct}). */
  protected abstract Connection direct() throws SQLException;

  @BeforeEach
  void rows() throws Exception {
    String s = schema();
    try (Connection direct = door.direct();
        Statement st = direct.createStatement()) {
      st.execute("DELETE FROM " + s + ".door_customers");
      st.execute(
          "INSERT INTO "
              + s
              + ".door_customers VALUES (1, 'Jane Doe', '"
              + CARD
              + "'), (2, 'John Roe', '5500000000000004')");
      st.execute("DELETE FROM " + s + ".door_numbers");
      st.execute("INSERT INTO " + s + ".door_numbers VALUES (1), (2), (3), (4), (5), (6)");
    }
  }

  String table(String name) {
    return schema() + "." + name;
  }

  @Test
  void aReadReturnsTheDatabasesRowsWithTheMaskedColumnMasked() throws Exception {
    String sql =
        "SELECT id, full_name, card_number FROM " + table("door_customers") + " ORDER BY id";
    List<List<String>> direct;
    try (Connection c = door.direct()) {
      direct = rows(c, sql);
    }
    try (Connection c = door.connect(door.agentKey())) {
      List<List<String>> through = rows(c, sql);
      assertThat(direct)
          .containsExactly(
              List.of("1", "Jane Doe", CARD), List.of("2", "John Roe", "5500000000000004"));
      // Same rows, same unmasked values; the card number keeps its last four digits only.
      assertThat(through)
          .containsExactly(
              List.of("1", "Jane Doe", "************1111"),
              List.of("2", "John Roe", "************0004"));
      // Prepared and executed several times (drivers switch to server-side statements): masked
      // every time.
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT card_number FROM " + table("door_customers") + " WHERE id = ?")) {
        for (int i = 0; i < 7; i++) {
          ps.setInt(1, 1);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).as("execution %d", i + 1).isEqualTo("************1111");
          }
        }
      }
    }
  }

  @Test
  void aStatementNoRuleAllowsNeverRunsAndTheSessionGoesOn() throws Exception {
    try (Connection c = door.connect(door.agentKey());
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("DROP TABLE " + table("door_customers")))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("denied by rule default-deny");
      // The refusal harmed nothing: the session runs the next statement.
      assertThat(rows(c, "SELECT full_name FROM " + table("door_customers") + " WHERE id = 2"))
          .containsExactly(List.of("John Roe"));
    }
    try (Connection direct = door.direct()) {
      assertThat(rows(direct, "SELECT count(*) FROM " + table("door_customers")))
          .containsExactly(List.of("2"));
    }
  }

  @Test
  void aMaskWrittenBackIsRefusedByLiteralAndByParameter() throws Exception {
    try (Connection c = door.connect(door.agentKey())) {
      try (Statement s = c.createStatement()) {
        assertThatThrownBy(
                () ->
                    s.executeUpdate(
                        "UPDATE "
                            + table("door_customers")
                            + " SET card_number = '************1111' WHERE id = 1"))
            .hasMessageContaining("masked-write-back");
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE " + table("door_customers") + " SET card_number = ? WHERE id = ?")) {
        ps.setString(1, "************1111");
        ps.setInt(2, 1);
        assertThatThrownBy(ps::executeUpdate).hasMessageContaining("masked-write-back");
      }
    }
    try (Connection direct = door.direct()) {
      assertThat(
              rows(direct, "SELECT card_number FROM " + table("door_customers") + " WHERE id = 1"))
          .containsExactly(List.of(CARD));
    }
  }

  @Test
  void aWriteOverItsRowLimitIsUndoneAndOneWithinItCommits() throws Exception {
    try (Connection c = door.connect(door.agentKey());
        Statement s = c.createStatement()) {
      assertThatThrownBy(
              () -> s.executeUpdate("UPDATE " + table("door_customers") + " SET full_name = 'x'"))
          .hasMessageContaining("maxRowsAffected")
          .hasMessageContaining("rolled back");
      assertThat(
              s.executeUpdate(
                  "UPDATE " + table("door_customers") + " SET full_name = 'Jane Q' WHERE id = 1"))
          .isEqualTo(1);
    }
    try (Connection direct = door.direct()) {
      assertThat(rows(direct, "SELECT full_name FROM " + table("door_customers") + " ORDER BY id"))
          .containsExactly(List.of("Jane Q"), List.of("John Roe"));
    }
  }

  @Test
  void aResultOverItsRowLimitIsCutAndTheClientIsWarned() throws Exception {
    try (Connection c = door.connect(door.agentKey());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT n FROM " + table("door_numbers") + " ORDER BY n")) {
      List<Integer> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getInt(1));
      }
      assertThat(rows).containsExactly(1, 2, 3);
      String warnings = String.valueOf(s.getWarnings()) + rs.getWarnings();
      assertThat(warnings).contains("truncated to 3 rows by rule contract.rw");
    }
  }

  @Test
  void aHeldStatementRunsOnlyOnceApprovedAndOnlyOnce() throws Exception {
    String sql = "DELETE FROM " + table("door_customers") + " WHERE id = 2";
    try (Connection c = door.connect(door.agentKey());
        Statement s = c.createStatement()) {
      String first = message(() -> s.executeUpdate(sql));
      assertThat(first).contains("needs approval: request apr_");
      String id = first.replaceAll("(?s).*request (apr_[0-9a-f]+).*", "$1");
      assertThat(count("door_customers")).isEqualTo(2);
      assertThat(approve(id)).isEqualTo(200);
      assertThat(s.executeUpdate(sql)).isEqualTo(1);
      // Once: the same statement again is a new request.
      assertThat(message(() -> s.executeUpdate(sql))).doesNotContain(id).contains("was opened");
    }
    assertThat(count("door_customers")).isEqualTo(1);
  }

  @Test
  void everyStatementIsRecordedWithItsIdentityDecisionRuleAndOutcome() throws Exception {
    String marker = "/* contract-audit */";
    try (Connection c = door.connect(door.agentKey());
        Statement s = c.createStatement()) {
      rows(c, "SELECT full_name FROM " + table("door_customers") + " WHERE id = 1 " + marker);
      assertThatThrownBy(() -> s.execute("DROP TABLE " + table("door_numbers") + " " + marker))
          .isInstanceOf(SQLException.class);
    }
    List<JsonNode> statements = await("statement", r -> r.path("sql").asText().contains(marker), 2);
    assertThat(statements)
        .allSatisfy(r -> assertThat(r.path("_identity").asText()).isEqualTo("agent"));
    JsonNode read =
        statements.stream()
            .filter(r -> r.path("sql").asText().startsWith("SELECT"))
            .findFirst()
            .get();
    JsonNode drop =
        statements.stream()
            .filter(r -> r.path("sql").asText().startsWith("DROP"))
            .findFirst()
            .get();
    assertThat(read.path("decision").asText()).isEqualTo("allow");
    assertThat(read.path("rule").asText()).isEqualTo("contract.rw");
    assertThat(drop.path("decision").asText()).isEqualTo("deny");
    assertThat(drop.path("rule").asText()).isEqualTo("default-deny");
    // The read's outcome, with its result as the client saw it; the session's start and end.
    String session = read.path("_session").asText();
    List<JsonNode> outcome =
        await(
            "outcome",
            o ->
                o.path("_session").asText().equals(session)
                    && o.path("statement").asLong() == read.path("statement").asLong(),
            1);
    assertThat(outcome.getFirst().path("rows").asLong()).isEqualTo(1);
    await("session.start", r -> r.path("_session").asText().equals(session), 1);
    await("session.end", r -> r.path("_session").asText().equals(session), 1);
    ChainVerifier.Report report =
        ChainVerifier.verify(
            store, List.of(AuditKeys.loadOrCreate(dir.resolve("audit-signing.key")).publicKey()));
    assertThat(report.ok()).as(report.problem()).isTrue();
  }

  /** The audit records of a kind that match, waiting (up to 10 s) until there are {@code n}. */
  List<JsonNode> await(String kind, Predicate<JsonNode> match, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<JsonNode> found = new ArrayList<>();
      store.forEach(
          1,
          r -> {
            if (r.kind().equals(kind)) {
              try {
                ObjectNode node = (ObjectNode) JSON.readTree(r.payload());
                node.put("_session", r.sessionId());
                node.put("_identity", r.identity());
                if (match.test(node)) {
                  found.add(node);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            }
          });
      if (found.size() >= n || System.nanoTime() > deadline) {
        assertThat(found).as("%s records", kind).hasSize(n);
        return found;
      }
      Thread.sleep(20);
    }
  }

  int count(String name) throws SQLException {
    try (Connection direct = door.direct()) {
      return Integer.parseInt(
          rows(direct, "SELECT count(*) FROM " + table(name)).getFirst().getFirst());
    }
  }

  int approve(String id) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:" + door.adminPort() + "/api/approvals/" + id + "/approve"))
            .header("Authorization", "Bearer " + door.approverKey())
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  interface Failing {
    void run() throws Exception;
  }

  /** The message of the SQLException the statement fails with. */
  static String message(Failing statement) {
    try {
      statement.run();
    } catch (SQLException e) {
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the statement did not fail");
  }

  /** Every value of a query's result, as strings, row by row. */
  static List<List<String>> rows(Connection c, String sql) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>(columns);
        for (int i = 1; i <= columns; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
