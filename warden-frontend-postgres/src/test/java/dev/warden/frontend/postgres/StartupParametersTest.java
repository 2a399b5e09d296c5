package dev.warden.frontend.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StartupParametersTest {

  @Test
  void userDatabaseAndSafeSettings() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("user", "agent");
    params.put("database", "shop");
    params.put("application_name", "psql");
    params.put("client_encoding", "UTF8");
    params.put("DateStyle", "ISO");
    params.put("_pq_.something", "x");
    StartupParameters parsed = StartupParameters.of(params);
    assertThat(parsed.user()).isEqualTo("agent");
    assertThat(parsed.database()).isEqualTo("shop");
    assertThat(parsed.applicationName()).isEqualTo("psql");
    assertThat(parsed.forwarded())
        .containsOnlyKeys("application_name", "client_encoding", "DateStyle");
    assertThat(StartupParameters.protocolOptions(params)).containsExactly("_pq_.something");
  }

  @Test
  void databaseDefaultsToUser() {
    assertThat(StartupParameters.of(Map.of("user", "shop")).database()).isEqualTo("shop");
  }

  @Test
  void userIsRequired() {
    assertThatThrownBy(() -> StartupParameters.of(Map.of("database", "x")))
        .hasMessageContaining("no user name");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "options",
        "role",
        "session_authorization",
        "default_transaction_read_only",
        "standard_conforming_strings",
        "ROLE"
      })
  void settingsThatChangePrivilegesOrParsingAreRefused(String name) {
    assertThatThrownBy(() -> StartupParameters.of(Map.of("user", "a", name, "x")))
        .hasMessageContaining("startup parameter '" + name + "' is not allowed");
  }

  @Test
  void replicationIsRefused() {
    assertThatThrownBy(() -> StartupParameters.of(Map.of("user", "a", "replication", "database")))
        .hasMessageContaining("replication connections are not allowed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"SJIS", "big5", "GBK", "GB18030", "UHC", "JOHAB", "shift-jis"})
  void encodingsThatCanHideQuotesAreRefused(String encoding) {
    assertThatThrownBy(() -> StartupParameters.of(Map.of("user", "a", "client_encoding", encoding)))
        .hasMessageContaining("client_encoding");
  }

  @ParameterizedTest
  @ValueSource(strings = {"UTF8", "utf-8", "LATIN1", "SQL_ASCII", "WIN1252", "EUC_JP"})
  void asciiSafeEncodingsPass(String encoding) {
    assertThat(StartupParameters.of(Map.of("user", "a", "client_encoding", encoding)).forwarded())
        .containsEntry("client_encoding", encoding);
  }
}
