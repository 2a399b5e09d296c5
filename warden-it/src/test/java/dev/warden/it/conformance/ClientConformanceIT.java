package dev.warden.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.demo.Demo;
import dev.warden.it.Processes;
import dev.warden.it.demo.DemoIT;
import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every stock client, used the way its users use it, gets through Warden exactly what it gets from
 * the database directly — with the demo's own policy and its masks on — except the masked cells,
 * which hold the masks. Each workload runs once straight against the demo's database (as its owner)
 * and once through Warden (as the demo's agent or dba), and the two transcripts are compared result
 * by result, row by row, cell by cell ({@link Expected}).
 */
class ClientConformanceIT {
  static Path dir;
  static Demo demo;
  static Map<String, String> env;
  static final Expected AGENT = new Expected("agent");

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("warden-conformance");
    demo = Demo.start(new Demo.Options(dir.resolve("data"), dir.resolve("warden-demo.env"), 0, 0));
    env = DemoIT.readEnvFile(dir.resolve("warden-demo.env"));
    try (Connection owner = direct(new Properties());
        Statement s = owner.createStatement()) {
      s.execute(
          "CREATE TABLE public.conformance_notes (id bigserial PRIMARY KEY, body text,"
              + " card_number text)");
    }
    // The table is newer than the catalog Warden read at start: the first read of it is masked
    // whole while Warden reads the catalog again (docs/masking.md). Users meet this once; the
    // workloads start after it.
    try (Connection agent = agent(new Properties());
        Statement s = agent.createStatement()) {
      s.executeQuery("SELECT id, body, card_number FROM conformance_notes").close();
      Thread.sleep(500);
    }
  }

  @AfterAll
  static void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  /**
   * pgJDBC with its defaults and the settings people change: the statement cache past the prepare
   * threshold, always named statements, never named statements, binary transfer from the first
   * execution, and the simple protocol.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "prepareThreshold=1",
        "prepareThreshold=0",
        "prepareThreshold=-1&binaryTransfer=true",
        "preferQueryMode=extendedCacheEverything",
        "preferQueryMode=simple"
      })
  void pgJdbc(String settings) throws Exception {
    Properties props = new Properties();
    for (String setting : settings.split("&")) {
      if (!setting.isEmpty()) {
        String[] kv = setting.split("=", 2);
        props.setProperty(kv[0], kv[1]);
      }
    }
    resetNotes();
    Transcript direct;
    try (Connection c = direct(props)) {
      direct = JdbcWorkload.run(c);
    }
    resetNotes();
    Transcript warden;
    try (Connection c = agent(props)) {
      warden = JdbcWorkload.run(c);
    }
    AGENT.assertMatches("pgJDBC " + settings, direct, warden);
    assertThat(direct.results()).hasSizeGreaterThan(80);
  }

  /**
   * psql as people use it: the describe meta-commands (their catalog queries answer exactly as
   * directly), {@code \copy} out, and a SELECT fetched through a cursor ({@code FETCH_COUNT}).
   */
  @Test
  void psql() throws Exception {
    for (String meta :
        List.of(
            "\\d customers",
            "\\d+ orders",
            "\\dt",
            "\\dt billing.*",
            "\\df",
            "\\dn",
            "\\di",
            "\\dv",
            "\\du",
            "\\l",
            "\\dT")) {
      String direct = psql(directConninfo(), null, meta);
      String warden = psql(agentConninfo(), env.get("WARDEN_DEMO_AGENT_TOKEN"), meta);
      assertThat(warden).as("psql %s", meta).isEqualTo(direct).isNotBlank();
    }
    List<String> data =
        List.of(
            "SELECT id, full_name, email, card_number, ssn FROM customers ORDER BY id LIMIT 25",
            "\\set FETCH_COUNT 7\nSELECT id, full_name, card_number, ssn FROM customers ORDER BY"
                + " id LIMIT 30",
            "SELECT o.id, o.amount, c.card_number FROM orders o JOIN customers c"
                + " ON c.id = o.customer_id ORDER BY o.id LIMIT 20",
            // What database tools and agents browse with: system relations, star and all.
            "SELECT * FROM information_schema.columns WHERE table_name = 'orders'"
                + " ORDER BY ordinal_position",
            "SELECT n.* FROM pg_catalog.pg_namespace n ORDER BY n.oid",
            "SELECT c.oid, c.* FROM pg_catalog.pg_class c WHERE c.relname = 'customers'",
            "EXPLAIN SELECT * FROM customers WHERE id = 7");
    for (String commands : data) {
      Transcript direct = table(psql(directConninfo(), null, commands));
      Transcript warden =
          table(psql(agentConninfo(), env.get("WARDEN_DEMO_AGENT_TOKEN"), commands));
      AGENT.assertMatches("psql " + commands, direct, warden);
    }
    String copy =
        "\\copy (SELECT id, email, card_number, ssn FROM customers ORDER BY id LIMIT 40) TO STDOUT";
    List<String> columns = List.of("id", "email", "card_number", "ssn");
    AGENT.assertMatches(
        "psql \\copy",
        copyLines(columns, psql(directConninfo(), null, copy)),
        copyLines(columns, psql(agentConninfo(), env.get("WARDEN_DEMO_AGENT_TOKEN"), copy)));
  }

  /**
   * pg_dump as the demo's dba (read-only): the schema dump is the direct one, line for line; a data
   * dump of allowed tables holds the same rows with the dba's masks applied.
   */
  @Test
  void pgDump() throws Exception {
    Processes.Result direct = pgDump(directConninfo(), null, "--schema-only");
    Processes.Result warden =
        pgDump(dbaConninfo(), env.get("WARDEN_DEMO_DBA_TOKEN"), "--schema-only");
    assertThat(warden.exitCode()).as(warden.toString()).isZero();
    assertThat(withoutRestrictKey(warden.stdout()))
        .isEqualTo(withoutRestrictKey(direct.stdout()))
        .contains("CREATE TABLE public.customers");
    List<String> data = List.of("--data-only", "-t", "public.customers", "-t", "billing.invoices");
    Processes.Result directData = pgDump(directConninfo(), null, data.toArray(String[]::new));
    Processes.Result wardenData =
        pgDump(dbaConninfo(), env.get("WARDEN_DEMO_DBA_TOKEN"), data.toArray(String[]::new));
    assertThat(wardenData.exitCode()).as(wardenData.toString()).isZero();
    new Expected("dba")
        .assertMatches(
            "pg_dump --data-only", dumped(directData.stdout()), dumped(wardenData.stdout()));
  }

  /** psycopg 3 (auto-prepare, binary, pipeline mode, server-side cursors) and psycopg2. */
  @ParameterizedTest
  @ValueSource(strings = {"psycopg-default", "psycopg-binary", "psycopg-pipeline", "psycopg2"})
  void python(String mode) throws Exception {
    String python = python();
    List<String> command =
        List.of(
            python, Path.of("src/test/python/conformance.py").toAbsolutePath().toString(), mode);
    resetNotes();
    Transcript direct = transcript(command, Map.of("WARDEN_DSN", directConninfo()), null);
    resetNotes();
    Transcript warden =
        transcript(
            command,
            Map.of(
                "WARDEN_DSN", agentConninfo() + " password=" + env.get("WARDEN_DEMO_AGENT_TOKEN")),
            null);
    AGENT.assertMatches(mode, direct, warden);
    assertThat(direct.results()).hasSizeGreaterThan(10);
  }

  /** node-postgres: named statements reused, text and binary results. */
  @ParameterizedTest
  @ValueSource(strings = {"text", "binary"})
  void nodePostgres(String mode) throws Exception {
    File dir = new File("src/test/node");
    if (!new File(dir, "node_modules/pg").isDirectory()) {
      Processes.Result install =
          Processes.run(
              List.of("npm", "ci", "--no-audit", "--no-fund"),
              Map.of(),
              dir,
              Duration.ofMinutes(3),
              null);
      assertThat(install.exitCode()).as("npm ci in src/test/node: " + install).isZero();
    }
    List<String> command = List.of("node", "conformance.js", mode);
    resetNotes();
    Transcript direct = transcript(command, Map.of("WARDEN_DSN", directUrl()), dir);
    resetNotes();
    String warden =
        "postgresql://agent:"
            + env.get("WARDEN_DEMO_AGENT_TOKEN")
            + "@127.0.0.1:"
            + env.get("WARDEN_DEMO_PGPORT")
            + "/shop?sslmode=no-verify";
    AGENT.assertMatches(
        "node-postgres " + mode, direct, transcript(command, Map.of("WARDEN_DSN", warden), dir));
  }

  /**
   * pgbench's built-in scripts (TPC-B-like, simple update, select only) in every query mode, with a
   * fixed seed: through Warden they leave the database exactly as they do run directly.
   */
  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "prepared"})
  void pgbench(String mode) throws Exception {
    List<String> run =
        List.of(
            "-n",
            // One client: pgbench's choices are reproducible from the seed only without
            // interleaving.
            "-c",
            "1",
            "-t",
            "120",
            "--random-seed=42",
            "-M",
            mode,
            "-b",
            "tpcb-like@2",
            "-b",
            "simple-update@1",
            "-b",
            "select-only@1");
    pgbenchInit();
    Processes.Result direct = pgbench(directConninfo(), null, run);
    assertThat(direct.exitCode()).as(direct.toString()).isZero();
    String directState = pgbenchState();
    pgbenchInit();
    // Tables newer than Warden's catalog: read once so the catalog is read again (see start()).
    pgbench(agentConninfo(), env.get("WARDEN_DEMO_AGENT_TOKEN"), List.of("-n", "-S", "-t", "1"));
    Processes.Result warden = pgbench(agentConninfo(), env.get("WARDEN_DEMO_AGENT_TOKEN"), run);
    assertThat(warden.exitCode()).as(warden.toString()).isZero();
    assertThat(warden.stdout())
        .contains("number of transactions actually processed: 120/120")
        .contains("number of failed transactions: 0");
    assertThat(pgbenchState()).isEqualTo(directState);
  }

  /** Empties the workloads' scratch table (as the owner) so both runs start alike. */
  static void resetNotes() throws SQLException {
    try (Connection owner = direct(new Properties());
        Statement s = owner.createStatement()) {
      s.execute("TRUNCATE public.conformance_notes RESTART IDENTITY");
    }
  }

  static String directUrl() {
    return env.get("WARDEN_DEMO_DIRECT_URL");
  }

  static String directConninfo() {
    URI url = URI.create(directUrl().replace("postgresql://", "http://"));
    String[] credentials = url.getUserInfo().split(":", 2);
    return "host=127.0.0.1 port="
        + url.getPort()
        + " dbname=shop user="
        + credentials[0]
        + " password="
        + credentials[1];
  }

  static String agentConninfo() {
    return "host=127.0.0.1 port="
        + env.get("WARDEN_DEMO_PGPORT")
        + " dbname=shop user=agent sslmode=require";
  }

  static String dbaConninfo() {
    return "host=127.0.0.1 port="
        + env.get("WARDEN_DEMO_PGPORT")
        + " dbname=shop user=dba sslmode=require";
  }

  /** Runs psql commands (one per line) unaligned, with '|' between cells. */
  static String psql(String conninfo, String password, String commands) throws Exception {
    Processes.Result r =
        Processes.run(
            List.of("psql", "-X", "-q", "-A", "-F", "|", "-v", "ON_ERROR_STOP=1", conninfo),
            password == null ? Map.of() : Map.of("PGPASSWORD", password),
            null,
            Duration.ofMinutes(1),
            commands + "\n");
    assertThat(r.exitCode()).as("psql %s: %s", commands, r).isZero();
    return r.stdout();
  }

  /** psql's unaligned output of one SELECT (header, rows, footer) as a transcript. */
  static Transcript table(String output) {
    List<String> lines = output.lines().filter(l -> !l.matches("\\(\\d+ rows?\\)")).toList();
    List<String> columns = List.of(lines.getFirst().split("\\|", -1));
    List<List<String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      rows.add(nulls(List.of(line.split("\\|", -1)), ""));
    }
    return new Transcript(List.of(Transcript.Result.of("select", columns, rows)));
  }

  /** Lines of COPY text format under the given columns (\N is NULL). */
  static Transcript copyLines(List<String> columns, String output) {
    List<List<String>> rows = new ArrayList<>();
    for (String line : output.lines().toList()) {
      rows.add(nulls(List.of(line.split("\t", -1)), "\\N"));
    }
    return new Transcript(List.of(Transcript.Result.of("copy", columns, rows)));
  }

  private static List<String> nulls(List<String> cells, String nullText) {
    List<String> out = new ArrayList<>(cells.size());
    cells.forEach(c -> out.add(c.equals(nullText) ? null : c));
    return out;
  }

  static Processes.Result pgDump(String conninfo, String password, String... options)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("pg_dump", "--no-sync"));
    command.addAll(List.of(options));
    command.add(conninfo);
    return Processes.run(
        command,
        password == null ? Map.of() : Map.of("PGPASSWORD", password),
        Duration.ofMinutes(2));
  }

  /** pg_dump's {@code \restrict} lines carry a random key of their own per dump. */
  static String withoutRestrictKey(String dump) {
    return dump.lines()
        .filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict "))
        .collect(Collectors.joining("\n"));
  }

  /** The COPY blocks of a data dump, one result per table, under its column list. */
  static Transcript dumped(String dump) {
    List<Transcript.Result> results = new ArrayList<>();
    List<String> lines = dump.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("COPY ")) {
        String table = line.substring(5, line.indexOf(' ', 5));
        List<String> columns =
            List.of(line.substring(line.indexOf('(') + 1, line.indexOf(')')).split(", "));
        List<List<String>> rows = new ArrayList<>();
        for (i++; !lines.get(i).equals("\\."); i++) {
          rows.add(nulls(List.of(lines.get(i).split("\t", -1)), "\\N"));
        }
        results.add(Transcript.Result.of(table, columns, rows));
      }
    }
    assertThat(results).isNotEmpty();
    return new Transcript(results);
  }

  /** The Python with the workload's clients: WARDEN_TEST_PYTHON, or a virtual environment. */
  static String python() throws Exception {
    if (python == null) {
      python = installPython();
    }
    return python;
  }

  private static String python;

  private static String installPython() throws Exception {
    String configured = System.getenv("WARDEN_TEST_PYTHON");
    if (configured != null && !configured.isBlank()) {
      return configured;
    }
    Path venv = Path.of("..", ".venv-test").toAbsolutePath().normalize();
    Path python = venv.resolve("bin/python");
    if (!Files.isExecutable(python)) {
      Processes.Result created =
          Processes.run(
              List.of("python3", "-m", "venv", venv.toString()), Map.of(), Duration.ofMinutes(2));
      assertThat(created.exitCode()).as("python3 -m venv: " + created).isZero();
    }
    Processes.Result installed =
        Processes.run(
            List.of(
                python.toString(),
                "-m",
                "pip",
                "install",
                "-q",
                "-r",
                Path.of("src/test/python/requirements.txt").toAbsolutePath().toString()),
            Map.of(),
            Duration.ofMinutes(5));
    assertThat(installed.exitCode()).as("pip install: " + installed).isZero();
    return python.toString();
  }

  static Transcript transcript(List<String> command, Map<String, String> environment, File dir)
      throws Exception {
    Processes.Result r = Processes.run(command, environment, dir, Duration.ofMinutes(2), null);
    assertThat(r.exitCode()).as("%s: %s", command, r).isZero();
    return Transcript.parse(r.stdout());
  }

  static void pgbenchInit() throws Exception {
    Processes.Result init =
        Processes.run(
            List.of("pgbench", "-i", "-q", "-s", "1", directConninfo()),
            Map.of(),
            Duration.ofMinutes(2));
    assertThat(init.exitCode()).as(init.toString()).isZero();
  }

  static Processes.Result pgbench(String conninfo, String password, List<String> options)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("pgbench"));
    command.addAll(options);
    command.add(conninfo);
    return Processes.run(
        command,
        password == null ? Map.of() : Map.of("PGPASSWORD", password),
        Duration.ofMinutes(2));
  }

  /** Every balance and the history pgbench leaves, in one line. */
  static String pgbenchState() throws SQLException {
    try (Connection owner = direct(new Properties());
        Statement s = owner.createStatement();
        var rs =
            s.executeQuery(
                "SELECT (SELECT md5(string_agg(aid || ':' || abalance, ',' ORDER BY aid))"
                    + " FROM pgbench_accounts WHERE abalance <> 0),"
                    + " (SELECT sum(tbalance) FROM pgbench_tellers),"
                    + " (SELECT sum(bbalance) FROM pgbench_branches),"
                    + " (SELECT count(*) || '/' || sum(delta) FROM pgbench_history)")) {
      rs.next();
      return rs.getString(1)
          + " "
          + rs.getString(2)
          + " "
          + rs.getString(3)
          + " "
          + rs.getString(4);
    }
  }

  static Connection agent(Properties settings) throws SQLException {
    Properties props = new Properties();
    props.putAll(settings);
    props.setProperty("user", "agent");
    props.setProperty("password", env.get("WARDEN_DEMO_AGENT_TOKEN"));
    props.setProperty("sslmode", "require");
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + env.get("WARDEN_DEMO_PGPORT") + "/shop", props);
  }

  static Connection direct(Properties settings) throws SQLException {
    URI url = URI.create(env.get("WARDEN_DEMO_DIRECT_URL").replace("postgresql://", "http://"));
    String[] credentials = url.getUserInfo().split(":", 2);
    Properties props = new Properties();
    props.putAll(settings);
    props.setProperty("user", credentials[0]);
    props.setProperty("password", credentials[1]);
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + url.getPort() + url.getPath(), props);
  }
}
