package dev.warden.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** pgbench through the gateway: initialise, then read-only runs in every query mode. */
class PgbenchIT {
  static GatewayFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start();
    Processes.Result init = pgbench("-i", "-s", "1", "-q");
    assertThat(init.exitCode()).as(init.toString()).isZero();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  static Processes.Result pgbench(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("pgbench"));
    command.addAll(List.of(args));
    command.add(fixture.libpqConnInfo("test"));
    return Processes.run(command, Map.of("PGPASSWORD", fixture.agentKey), Duration.ofMinutes(3));
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "extended", "prepared"})
  void selectOnlyWithSeveralClients(String mode) throws Exception {
    Processes.Result run = pgbench("-S", "-M", mode, "-c", "4", "-j", "2", "-t", "250", "-n");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.stdout()).contains("query mode: " + mode);
    assertThat(number(run.stdout(), "number of transactions actually processed: (\\d+)"))
        .isEqualTo(1000);
    assertThat(number(run.stdout(), "number of failed transactions: (\\d+)")).isZero();
  }

  @Test
  void tpcbLikeWritesWithPreparedStatements() throws Exception {
    Processes.Result run = pgbench("-M", "prepared", "-c", "2", "-t", "100", "-n");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(number(run.stdout(), "number of failed transactions: (\\d+)")).isZero();
    assertThat(number(run.stdout(), "number of transactions actually processed: (\\d+)"))
        .isEqualTo(200);
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("'%s' in pgbench output:\n%s", regex, text).isTrue();
    return Long.parseLong(m.group(1));
  }
}
