package dev.warden.cli.demo;

import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
    Random random = new Random(20240101L);
    String[] cards = new String[CUSTOMERS + 1];
    StringBuilder rows = new StringBuilder();
    for (int id = 1; id <= CUSTOMERS; id++) {
      String first = FIRST[random.nextInt(FIRST.length)];
      String last = LAST[random.nextInt(LAST.length)];
      cards[id] = luhnCard(random);
      rows.append(id)
          .append('\t')
          .append(first)
          .append(' ')
          .append(last)
          .append('\t')
          .append(first.toLowerCase())
          .append('.')
          .append(last.toLowerCase().replace("-", ""))
          .append(id)
          .append("@example.com\t")
          .append(String.format("+1-555-%03d-%04d", random.nextInt(1000), random.nextInt(10000)))
          .append('\t')
          .append(cards[id])
          .append('\t')
          .append(String.format("%02d/%02d", 1 + random.nextInt(12), 27 + random.nextInt(5)))
          .append('\t')
          .append(
              String.format(
                  "%03d-%02d-%04d",
                  100 + random.nextInt(800), 1 + random.nextInt(99), 1 + random.nextInt(9999)))
          .append('\t')
          .append(EPOCH.plus(id * 37L, ChronoUnit.MINUTES))
          .append('\n');
    }
    copyIn(copy, "public.customers", rows);
    for (int id = 1; id <= ORDERS; id++) {
      rows.append(id)
          .append('\t')
          .append(1 + random.nextInt(CUSTOMERS))
          .append('\t')
          .append(String.format("%d.%02d", 1 + random.nextInt(500), random.nextInt(100)))
          .append('\t')
          .append(STATUSES[random.nextInt(STATUSES.length)])
          .append('\t')
          .append(EPOCH.plus(id * 11L, ChronoUnit.MINUTES))
          .append('\n');
    }
    copyIn(copy, "public.orders", rows);
    for (int id = 1; id <= INVOICES; id++) {
      int customer = 1 + random.nextInt(CUSTOMERS);
      rows.append(id)
          .append('\t')
          .append(customer)
          .append('\t')
          .append(String.format("%d.%02d", 10 + random.nextInt(2000), random.nextInt(100)))
          .append('\t')
          .append(cards[customer])
          .append('\t')
          .append(EPOCH.plus(id * 53L, ChronoUnit.MINUTES))
          .append('\n');
    }
    copyIn(copy, "billing.invoices", rows);
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
    for (int id = 1; id <= API_KEYS; id++) {
      rows.append(id)
          .append('\t')
          .append(services[id - 1])
          .append('\t')
          .append("sk_live_")
          .append(Long.toHexString(random.nextLong()))
          .append(Long.toHexString(random.nextLong()))
          .append('\n');
    }
    copyIn(copy, "internal.api_keys", rows);
    try (Statement s = connection.createStatement()) {
      // Statistics now, so the planner's estimates an approver sees are meaningful at once.
      s.execute("ANALYZE");
    }
  }

  private static void copyIn(CopyManager copy, String table, StringBuilder rows)
      throws SQLException, IOException {
    copy.copyIn("COPY " + table + " FROM STDIN", new StringReader(rows.toString()));
    rows.setLength(0);
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
