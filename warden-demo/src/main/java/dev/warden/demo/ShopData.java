package dev.warden.demo;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The demo's sample shop (DESIGN.md, "The demo"): schemas public, billing and internal, with
 * deterministic rows. Card numbers are Luhn-valid test numbers; SSNs are NNN-NN-NNNN.
 */
public final class ShopData {
  public static final int CUSTOMERS = 1000;
  public static final int ORDERS = 10_000;
  public static final int INVOICES = 2000;
  public static final int API_KEYS = 10;

  private static final String[] FIRST = {
    "Ada",
    "Alan",
    "Grace",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "Ken",
    "Margaret",
    "Dennis",
    "Radia",
    "John",
    "Hedy",
    "Linus",
    "Sophie",
    "Tim"
  };
  private static final String[] LAST = {
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Perlman",
    "Backus",
    "Lamarr",
    "Torvalds",
    "Wilson",
    "Berners-Lee"
  };
  private static final String[] STATUSES = {"pending", "paid", "shipped", "delivered", "refunded"};
  private static final Instant EPOCH = Instant.parse("2024-01-01T00:00:00Z");

  private ShopData() {}

  /** The shop's rows, each a list of its columns' values as text (null for NULL). */
  record Rows(
      List<String[]> customers,
      List<String[]> orders,
      List<String[]> invoices,
      List<String[]> apiKeys) {}

  /** The shop's deterministic rows. */
  static Rows rows() {
    Random random = new Random(20240101L);
    String[] cards = new String[CUSTOMERS + 1];
    List<String[]> customers = new ArrayList<>(CUSTOMERS);
    for (int id = 1; id <= CUSTOMERS; id++) {
      String first = FIRST[random.nextInt(FIRST.length)];
      String last = LAST[random.nextInt(LAST.length)];
      cards[id] = luhnCard(random);
      customers.add(
          new String[] {
            String.valueOf(id),
            first + " " + last,
            first.toLowerCase() + "." + last.toLowerCase().replace("-", "") + id + "@example.com",
            String.format("+1-555-%03d-%04d", random.nextInt(1000), random.nextInt(10000)),
            cards[id],
            String.format("%02d/%02d", 1 + random.nextInt(12), 27 + random.nextInt(5)),
            String.format(
                "%03d-%02d-%04d",
                100 + random.nextInt(800), 1 + random.nextInt(99), 1 + random.nextInt(9999)),
            EPOCH.plus(id * 37L, ChronoUnit.MINUTES).toString()
          });
    }
    List<String[]> orders = new ArrayList<>(ORDERS);
    for (int id = 1; id <= ORDERS; id++) {
      orders.add(
          new String[] {
            String.valueOf(id),
            String.valueOf(1 + random.nextInt(CUSTOMERS)),
            String.format("%d.%02d", 1 + random.nextInt(500), random.nextInt(100)),
            STATUSES[random.nextInt(STATUSES.length)],
            EPOCH.plus(id * 11L, ChronoUnit.MINUTES).toString()
          });
    }
    List<String[]> invoices = new ArrayList<>(INVOICES);
    for (int id = 1; id <= INVOICES; id++) {
      int customer = 1 + random.nextInt(CUSTOMERS);
      invoices.add(
          new String[] {
            String.valueOf(id),
            String.valueOf(customer),
            String.format("%d.%02d", 10 + random.nextInt(2000), random.nextInt(100)),
            cards[customer],
            EPOCH.plus(id * 53L, ChronoUnit.MINUTES).toString()
          });
    }
    String[] services = {
      "payments",
      "shipping",
      "email",
      "search",
      "analytics",
      "crm",
      "fraud",
      "tax",
      "support",
      "ledger"
    };
    List<String[]> apiKeys = new ArrayList<>(API_KEYS);
    for (int id = 1; id <= API_KEYS; id++) {
      apiKeys.add(
          new String[] {
            String.valueOf(id),
            services[id - 1],
            "sk_live_" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong())
          });
    }
    return new Rows(customers, orders, invoices, apiKeys);
  }

  /** Creates the schema and rows in an empty database, as its owner. */
  public static void load(Connection connection) throws SQLException, IOException {
    try (Statement s = connection.createStatement()) {
      s.execute(
          """
          CREATE SCHEMA billing;
          CREATE SCHEMA internal;
          CREATE TABLE public.customers (
            id bigint PRIMARY KEY, full_name text, email text, phone text,
            card_number text, card_expiry text, ssn text, created_at timestamptz);
          CREATE TABLE public.orders (
            id bigint PRIMARY KEY, customer_id bigint REFERENCES public.customers,
            amount numeric(10,2), status text, created_at timestamptz);
          CREATE TABLE billing.invoices (
            id bigint PRIMARY KEY, customer_id bigint, total numeric(10,2),
            card_number text, issued_at timestamptz);
          CREATE TABLE internal.api_keys (id bigint PRIMARY KEY, service text, secret text);
          """);
    }
    CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
    Rows rows = rows();
    copyIn(copy, "public.customers", rows.customers());
    copyIn(copy, "public.orders", rows.orders());
    copyIn(copy, "billing.invoices", rows.invoices());
    copyIn(copy, "internal.api_keys", rows.apiKeys());
    try (Statement s = connection.createStatement()) {
      // Statistics now, so the planner's estimates an approver sees are meaningful at once.
      s.execute("ANALYZE");
    }
  }

  /**
   * The same shop in MySQL/MariaDB, as its owner: databases {@code public}, {@code billing} and
   * {@code internal} (a MySQL database is what a PostgreSQL schema is, so the same policy names the
   * same objects), dropped first when they exist, with the same rows.
   */
  public static void loadMysql(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      for (String db : List.of("public", "billing", "internal")) {
        s.execute("DROP DATABASE IF EXISTS `" + db + "`");
        s.execute("CREATE DATABASE `" + db + "` CHARACTER SET utf8mb4");
      }
      s.execute(
          "CREATE TABLE `public`.customers (id BIGINT PRIMARY KEY, full_name TEXT, email TEXT,"
              + " phone TEXT, card_number TEXT, card_expiry TEXT, ssn TEXT, created_at DATETIME)");
      s.execute(
          "CREATE TABLE `public`.orders (id BIGINT PRIMARY KEY, customer_id BIGINT,"
              + " amount DECIMAL(10,2), status TEXT, created_at DATETIME,"
              + " FOREIGN KEY (customer_id) REFERENCES `public`.customers (id))");
      s.execute(
          "CREATE TABLE billing.invoices (id BIGINT PRIMARY KEY, customer_id BIGINT,"
              + " total DECIMAL(10,2), card_number TEXT, issued_at DATETIME)");
      s.execute(
          "CREATE TABLE internal.api_keys (id BIGINT PRIMARY KEY, service TEXT, secret TEXT)");
    }
    Rows rows = rows();
    insert(connection, "`public`.customers", rows.customers(), 7);
    insert(connection, "`public`.orders", rows.orders(), 4);
    insert(connection, "billing.invoices", rows.invoices(), 4);
    insert(connection, "internal.api_keys", rows.apiKeys(), -1);
  }

  /** Batched inserts; column {@code timestamp} (or -1) is an ISO instant made a DATETIME. */
  private static void insert(
      Connection connection, String table, List<String[]> rows, int timestamp) throws SQLException {
    int columns = rows.getFirst().length;
    String marks = String.join(", ", java.util.Collections.nCopies(columns, "?"));
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (var insert =
        connection.prepareStatement("INSERT INTO " + table + " VALUES (" + marks + ")")) {
      for (String[] row : rows) {
        for (int i = 0; i < columns; i++) {
          String value = row[i];
          if (i == timestamp) {
            value = value.replace("T", " ").replace("Z", "");
          }
          insert.setString(i + 1, value);
        }
        insert.addBatch();
      }
      insert.executeBatch();
      connection.commit();
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  private static void copyIn(CopyManager copy, String table, List<String[]> rows)
      throws SQLException, IOException {
    StringBuilder text = new StringBuilder();
    for (String[] row : rows) {
      text.append(String.join("\t", row)).append('\n');
    }
    copy.copyIn("COPY " + table + " FROM STDIN", new StringReader(text.toString()));
  }

  /** A 16-digit Visa-style test number whose last digit makes it Luhn-valid. */
  static String luhnCard(Random random) {
    StringBuilder digits = new StringBuilder("4");
    while (digits.length() < 15) {
      digits.append(random.nextInt(10));
    }
    return digits.append(luhnCheckDigit(digits)).toString();
  }

  static int luhnCheckDigit(CharSequence payload) {
    int sum = 0;
    boolean doubleIt = true;
    for (int i = payload.length() - 1; i >= 0; i--) {
      int d = payload.charAt(i) - '0';
      if (doubleIt) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      doubleIt = !doubleIt;
    }
    return (10 - sum % 10) % 10;
  }

  /** Whether a digit string passes the Luhn check. */
  public static boolean isLuhnValid(String number) {
    return luhnCheckDigit(number.substring(0, number.length() - 1))
        == number.charAt(number.length() - 1) - '0';
  }
}
