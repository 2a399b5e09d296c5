package dev.warden.it.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.demo.Demo;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in real Chromium (Debian's chromium and chromedriver, headless, through
 * Selenium), against the demo: a dba signs in through the demo's OIDC issuer (authorization code
 * with PKCE), approves a held ALTER while the agent's psql waits (psql completes), denies a held
 * DELETE (it never runs), and sees a statement with markup as text; an agent cannot get in; a state
 * change without the CSRF token is refused; no session means the sign-in. Screenshots go to {@code
 * warden.screenshots} when that property is set (docs/console/).
 */
class ConsoleIT {
  static Path dir;
  static Demo demo;
  static Map<String, String> env;
  static WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("warden-console-it");
    demo = Demo.start(new Demo.Options(dir.resolve("data"), dir.resolve("warden-demo.env"), 0, 0));
    env = DemoIT.readEnvFile(dir.resolve("warden-demo.env"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(System.getenv().getOrDefault("WARDEN_TEST_CHROMIUM", "/usr/bin/chromium"));
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(
                new File(
                    System.getenv()
                        .getOrDefault("WARDEN_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")))
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (demo != null) {
      demo.close();
    }
  }

  static String admin() {
    return env.get("WARDEN_DEMO_ADMIN_URL");
  }

  static WebDriverWait waiting() {
    // The pages re-render their lists: an element may go stale between finding and reading it.
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return wait;
  }

  /** Signs in through the demo issuer's login page as {@code user} with {@code groups}. */
  static void signIn(String user, String groups) {
    browser.manage().deleteAllCookies();
    browser.get(admin() + "/console/");
    WebElement username =
        waiting().until(ExpectedConditions.presenceOfElementLocated(By.name("username")));
    username.sendKeys(user);
    WebElement claims = browser.findElement(By.name("claims"));
    claims.clear();
    claims.sendKeys("{\"groups\": " + groups + "}");
    browser.findElement(By.cssSelector("input[type=submit]")).click();
  }

  static void screenshot(String name) throws Exception {
    String target = System.getProperty("warden.screenshots");
    if (target != null) {
      Path out = Path.of(target).resolve(name + ".png");
      Files.createDirectories(out.getParent());
      Files.write(out, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
  }

  /** psql as the agent, in the background (a held statement waits in it). */
  static CompletableFuture<dev.warden.it.Processes.Result> psql(String sql) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return dev.warden.it.Processes.run(
                List.of(
                    "psql",
                    "-X",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "host=127.0.0.1 port="
                        + env.get("WARDEN_DEMO_PGPORT")
                        + " dbname=shop user=agent sslmode=require",
                    "-c",
                    sql),
                Map.of("PGPASSWORD", env.get("WARDEN_DEMO_AGENT_TOKEN")),
                Duration.ofMinutes(2));
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
  }

  /** The card of the pending request whose statement contains {@code text}. */
  static WebElement card(String text) {
    return waiting()
        .until(
            d ->
                d.findElements(By.cssSelector("#requests article")).stream()
                    .filter(c -> c.findElement(By.cssSelector("pre.sql")).getText().contains(text))
                    .findFirst()
                    .orElse(null));
  }

  static long count(String sql) throws Exception {
    URI url = URI.create(env.get("WARDEN_DEMO_DIRECT_URL").replace("postgresql://", "http://"));
    String[] credentials = url.getUserInfo().split(":", 2);
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + url.getPort() + url.getPath(),
                credentials[0],
                credentials[1]);
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void aDbaApprovesAHeldAlterAndDeniesADeleteFromTheInbox() throws Exception {
    signIn("dana", "[\"dba\"]");
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("me"), "dana"));
    var alter = psql("ALTER TABLE public.orders ADD COLUMN console_note text");
    WebElement held = card("ALTER TABLE public.orders ADD COLUMN console_note");
    assertThat(held.getText()).contains("agent on shop").contains("agent.hold-ddl");
    screenshot("approvals");
    held.findElement(By.tagName("textarea")).sendKeys("reviewed: adds a nullable column");
    held.findElement(By.cssSelector("button.approve")).click();
    var done = alter.get(60, TimeUnit.SECONDS);
    assertThat(done.exitCode()).as(done.toString()).isZero();
    assertThat(
            count(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'orders'"
                    + " AND column_name = 'console_note'"))
        .isEqualTo(1);

    long orders = count("SELECT count(*) FROM public.orders");
    var delete = psql("DELETE FROM public.orders WHERE id = 1");
    WebElement deleteCard = card("DELETE FROM public.orders WHERE id = 1");
    // The planner's estimate is shown with the request.
    assertThat(deleteCard.getText()).contains("rows");
    deleteCard.findElement(By.tagName("textarea")).sendKeys("not in production hours");
    deleteCard.findElement(By.cssSelector("button.deny")).click();
    var refused = delete.get(60, TimeUnit.SECONDS);
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("not in production hours");
    assertThat(count("SELECT count(*) FROM public.orders")).isEqualTo(orders);
    // Both are in the history, decided.
    waiting()
        .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#decided tbody tr")));
    assertThat(browser.findElement(By.id("decided")).getText())
        .contains("approved")
        .contains("denied");
    screenshot("history");
  }

  static void signInAsDba() {
    signIn("dana", "[\"dba\"]");
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("me"), "dana"));
  }

  @Test
  void aSessionIsReplayedAsTheClientSawIt() throws Exception {
    var read = psql("SELECT id, card_number FROM public.customers ORDER BY id LIMIT 2");
    assertThat(read.get(60, TimeUnit.SECONDS).exitCode()).isZero();
    signInAsDba();
    browser.get(admin() + "/console/#sessions");
    WebElement search =
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("session-search")));
    search.findElement(By.name("identity")).sendKeys("agent");
    // Sessions with a read the agent's read-write rule allowed.
    search.findElement(By.name("rule")).sendKeys("agent.read-write");
    new org.openqa.selenium.support.ui.Select(search.findElement(By.name("decision")))
        .selectByVisibleText("allow");
    search.findElement(By.cssSelector("button[type=submit]")).click();
    waiting()
        .until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#session-list button.replay")));
    WebElement replay = browser.findElement(By.id("replay"));
    boolean found = false;
    for (WebElement button : browser.findElements(By.cssSelector("#session-list button.replay"))) {
      String id = button.getAttribute("data-id");
      button.click();
      waiting().until(d -> replay.getText().contains("Session " + id));
      if (replay.getText().contains("card_number")) {
        found = true;
        break;
      }
    }
    assertThat(found).as("the session with the read").isTrue();
    // The result as the client saw it: masked; the raw card numbers were never recorded.
    assertThat(replay.getText()).contains("************").contains("allow (agent.read-write)");
    assertThat(replay.getText()).doesNotContainPattern("4\\d{15}");
    screenshot("replay");
    // The filters are the store's: a rule nobody was decided under finds no session.
    String cookie =
        "warden_console=" + browser.manage().getCookieNamed("warden_console").getValue();
    HttpClient http = HttpClient.newHttpClient();
    for (String[] filter :
        new String[][] {
          {"rule=agent.read-write&decision=allow", "\"id\""}, {"rule=no.such_rule", ""}
        }) {
      String body =
          http.send(
                  HttpRequest.newBuilder(URI.create(admin() + "/console/api/sessions?" + filter[0]))
                      .header("Cookie", cookie)
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (filter[1].isEmpty()) {
        assertThat(body).as(filter[0]).contains("\"sessions\":[]");
      } else {
        assertThat(body).as(filter[0]).contains(filter[1]);
      }
    }
    // The audit chain those records are in verifies.
    browser.get(admin() + "/console/#audit");
    waiting().until(ExpectedConditions.elementToBeClickable(By.id("verify"))).click();
    waiting()
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("verification"), "\"ok\": true"));
    screenshot("audit");
  }

  @Test
  void aWhatIfFlagsAStatementTheDraftWouldDeny() throws Exception {
    var read = psql("SELECT count(*) FROM billing.invoices");
    assertThat(read.get(60, TimeUnit.SECONDS).exitCode()).isZero();
    signInAsDba();
    browser.get(admin() + "/console/#whatif");
    WebElement draft =
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("draft")));
    waiting().until(d -> !draft.getAttribute("value").isEmpty());
    // The policy in force, with billing denied to the agent.
    ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript(
            "const d = document.getElementById('draft');"
                + "d.value = d.value.replace('\"deny\": [', '\"deny\": [{\"id\": \"deny.billing\","
                + " \"objects\": [\"billing.*\"]}, ');");
    browser.findElement(By.cssSelector("#whatif-form button[type=submit]")).click();
    WebElement changes =
        waiting()
            .until(
                ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("#whatif-changes tr.change")));
    assertThat(browser.findElement(By.id("whatif-changes")).getText())
        .contains("allow → deny")
        .contains("deny.billing")
        .contains("billing.invoices");
    assertThat(browser.findElement(By.id("whatif-summary")).getText()).contains("would change");
    assertThat(changes).isNotNull();
    screenshot("what-if");
  }

  @Test
  void aDraftPolicyIsCheckedWithTheErrorAtItsLine() throws Exception {
    signInAsDba();
    browser.get(admin() + "/console/#policy");
    waiting()
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("policy-current"), "Version 1"));
    assertThat(browser.findElement(By.id("policy-versions")).getText()).contains("1");
    WebElement editor = browser.findElement(By.id("policy-editor"));
    waiting().until(d -> !editor.getAttribute("value").isEmpty());
    // A class that does not exist, on line 5 of the draft.
    String draft =
        "{\n  \"version\": 1,\n  \"grants\": [{\"id\": \"g\", \"roles\": [\"agent\"],\n"
            + "    \"connections\": [\"shop\"],\n    \"allow\": [{\"id\": \"r\", \"classes\":"
            + " [\"READS\"]}]}]\n}\n";
    ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript("document.getElementById('policy-editor').value = arguments[0];", draft);
    browser.findElement(By.id("policy-check")).click();
    WebElement result =
        waiting()
            .until(
                ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#policy-result.invalid")));
    assertThat(result.getText()).startsWith("Line 5: ").contains("READS");
    ((org.openqa.selenium.JavascriptExecutor) browser)
        .executeScript(
            "document.getElementById('policy-editor').value = arguments[0];",
            draft.replace("READS", "READ"));
    browser.findElement(By.id("policy-check")).click();
    waiting()
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("policy-result"), "Valid: 1 grants"));
    screenshot("policy");
    // A change to the policy file is a new version; the console shows what it changed.
    Path file = dir.resolve("data/policy.json");
    Files.writeString(
        file,
        Files.readString(file)
            .replaceFirst(
                "\"deny\": \\[",
                "\"deny\": [{\"id\": \"deny.nothing\", \"objects\": [\"nothing.*\"]}, "));
    waiting()
        .until(
            d -> {
              d.navigate().refresh();
              return d.findElement(By.id("policy-current")).getText().contains("Version 2");
            });
    waiting()
        .until(ExpectedConditions.elementToBeClickable(By.xpath("//button[text()='Diff with 1']")))
        .click();
    waiting()
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("policy-diff"), "deny.nothing"));
    assertThat(browser.findElement(By.cssSelector("#policy-diff .added")).getText())
        .startsWith("+ ")
        .contains("deny.nothing");
  }

  @Test
  void aGrantIsCreatedAndRevoked() throws Exception {
    signInAsDba();
    browser.get(admin() + "/console/#grants");
    WebElement form =
        waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("grant-form")));
    form.findElement(By.name("identity")).sendKeys("agent");
    form.findElement(By.name("connection")).sendKeys("shop");
    form.findElement(By.name("verbs")).sendKeys("DELETE");
    form.findElement(By.name("objects")).sendKeys("public.orders");
    form.findElement(By.name("reason")).sendKeys("incident 42: clean up duplicates");
    form.findElement(By.cssSelector("button[type=submit]")).click();
    WebElement row =
        waiting()
            .until(
                d ->
                    d.findElements(By.cssSelector("#grant-list tbody tr")).stream()
                        .filter(
                            r ->
                                r.getText().contains("incident 42")
                                    && r.getText().contains("active"))
                        .findFirst()
                        .orElse(null));
    String id = row.getAttribute("id");
    screenshot("grants");
    row.findElement(By.cssSelector("button.revoke")).click();
    waiting()
        .until(
            d ->
                d.findElement(By.id(id))
                    .findElement(By.cssSelector("td.state"))
                    .getText()
                    .equals("revoked"));
  }

  @Test
  void markupInARecordedStatementIsShownAsText() throws Exception {
    signIn("dana", "[\"dba\"]");
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("me"), "dana"));
    String markup = "<img src=x onerror=alert(1)>";
    var delete = psql("DELETE FROM public.orders WHERE status = '" + markup + "'");
    WebElement held = card(markup);
    assertThat(held.findElements(By.tagName("img"))).isEmpty();
    assertThat(held.findElement(By.cssSelector("pre.sql")).getText()).contains(markup);
    held.findElement(By.tagName("textarea")).sendKeys("no");
    held.findElement(By.cssSelector("button.deny")).click();
    assertThat(delete.get(60, TimeUnit.SECONDS).exitCode()).isNotZero();
  }

  /** The inbox is live: the event stream says so when a statement is held. */
  @Test
  void aHeldStatementIsAnnouncedOnTheEventStream() throws Exception {
    signInAsDba();
    String cookie =
        "warden_console=" + browser.manage().getCookieNamed("warden_console").getValue();
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<java.util.stream.Stream<String>> stream =
        http.send(
            HttpRequest.newBuilder(URI.create(admin() + "/console/api/approvals/events"))
                .header("Cookie", cookie)
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type").orElse(""))
        .startsWith("text/event-stream");
    var lines = stream.body().iterator();
    // The first event is the inbox as it is; the next one comes with the held statement.
    CompletableFuture<Integer> events =
        CompletableFuture.supplyAsync(
            () -> {
              int seen = 0;
              while (lines.hasNext()) {
                if (lines.next().equals("event: approvals") && ++seen == 2) {
                  return seen;
                }
              }
              return seen;
            });
    Thread.sleep(1500);
    var delete = psql("DELETE FROM public.orders WHERE id = 3");
    assertThat(events.get(30, TimeUnit.SECONDS)).isEqualTo(2);
    stream.body().close();
    // A decision without a comment is refused by the server, not only by the page.
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    String id =
        json.readTree(
                http.send(
                        HttpRequest.newBuilder(URI.create(admin() + "/console/api/approvals"))
                            .header("Cookie", cookie)
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body())
            .path("approvals")
            .get(0)
            .path("id")
            .asText();
    String csrf =
        json.readTree(
                http.send(
                        HttpRequest.newBuilder(URI.create(admin() + "/console/api/me"))
                            .header("Cookie", cookie)
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body())
            .path("csrf")
            .asText();
    HttpResponse<String> silent =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(admin() + "/console/api/approvals/" + id + "/approve"))
                .header("Cookie", cookie)
                .header("X-CSRF-Token", csrf)
                .POST(HttpRequest.BodyPublishers.ofString("{\"comment\": \" \"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(silent.statusCode()).isEqualTo(400);
    assertThat(silent.body()).contains("comment is required");
    // Let the held statement go (denied), so the psql ends.
    WebElement held = card("DELETE FROM public.orders WHERE id = 3");
    held.findElement(By.tagName("textarea")).sendKeys("not now");
    held.findElement(By.cssSelector("button.deny")).click();
    assertThat(delete.get(60, TimeUnit.SECONDS).exitCode()).isNotZero();
  }

  @Test
  void anAgentCannotOpenTheConsole() {
    signIn("agent", "[\"code-assistant\"]");
    waiting().until(ExpectedConditions.titleIs("Not for this identity"));
    assertThat(browser.getPageSource()).contains("none of their permissions");
    assertThat(browser.manage().getCookieNamed("warden_console")).isNull();
  }

  @Test
  void withoutASessionOrItsCsrfTokenNothingHappens() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(admin() + "/console/")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(302);
    assertThat(page.headers().firstValue("Location")).hasValue("/console/login");
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(admin() + "/console/api/me")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse(""))
        .contains("default-src 'none'")
        .contains("script-src 'self'");
    // Signed in, a state change without the session's CSRF token is refused.
    signIn("dana", "[\"dba\"]");
    waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("me"), "dana"));
    String cookie = browser.manage().getCookieNamed("warden_console").getValue();
    assertThat(browser.manage().getCookieNamed("warden_console").isHttpOnly()).isTrue();
    for (String token : new String[] {null, "not-the-token"}) {
      HttpRequest.Builder post =
          HttpRequest.newBuilder(URI.create(admin() + "/console/api/approvals/apr_x/approve"))
              .header("Cookie", "warden_console=" + cookie)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"comment\": \"x\"}"));
      if (token != null) {
        post.header("X-CSRF-Token", token);
      }
      HttpResponse<String> r = http.send(post.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(String.valueOf(token)).isEqualTo(403);
      assertThat(r.body()).contains("CSRF");
    }
  }
}
