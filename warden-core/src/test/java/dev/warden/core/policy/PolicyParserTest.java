package dev.warden.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.warden.core.sql.StatementClass;
import java.io.InputStream;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyParserTest {
  final PolicyParser parser = new PolicyParser();

  static JsonSchema schema() throws Exception {
    try (InputStream in = PolicyParser.class.getResourceAsStream(PolicyParser.SCHEMA_RESOURCE)) {
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
    }
  }

  static String sampleText() throws Exception {
    try (InputStream in =
        PolicyParser.class.getResourceAsStream("/dev/warden/core/policy/sample-policy.json")) {
      return new String(in.readAllBytes());
    }
  }

  @Test
  void theSamplePolicyParsesAndConformsToTheSchema() throws Exception {
    Policy sample = parser.sample();
    assertThat(sample.grants())
        .extracting(Policy.Grant::id)
        .containsExactly("agent-on-shop", "dba-on-shop");
    Policy.Grant agent = sample.grants().getFirst();
    assertThat(agent.limits().maxRowsReturned()).isEqualTo(1000);
    assertThat(agent.allow().getFirst().classes())
        .containsExactlyInAnyOrder(StatementClass.READ, StatementClass.WRITE);
    assertThat(agent.hold().getFirst().timeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(agent.hold().getFirst().approvers()).containsExactly("dba");
    assertThat(schema().validate(new ObjectMapper().readTree(sampleText()))).isEmpty();
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("[]", "$: a policy is a JSON object"),
        Arguments.of("{\"version\": 2, \"grants\": []}", "$.version: must be 1"),
        Arguments.of("{\"version\": 1}", "$.grants: must be an array"),
        Arguments.of("{\"version\": 1, \"grants\": [], \"extra\": 1}", "$.extra: not a known key"),
        Arguments.of(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"connections\": [\"*\"]}]}",
            "$.grants[0].roles: required"),
        Arguments.of(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"], \"connections\": [\"*\"], \"allow\": [{\"id\": \"r\", \"classes\": [\"REED\"]}]}]}",
            "$.grants[0].allow[0].classes[0]: unknown class 'REED'"),
        Arguments.of(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"], \"connections\": [\"*\"], \"deny\": [{\"id\": \"g\"}]}]}",
            "$.grants[0].deny[0].id: 'g' is used twice"),
        Arguments.of(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"], \"connections\": [\"*\"], \"hold\": [{\"id\": \"h\", \"timeout\": \"soon\"}]}]}",
            "$.grants[0].hold[0].timeout: must be a duration"),
        Arguments.of(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"], \"connections\": [\"*\"], \"limits\": {\"maxRowsReturned\": -1}}]}",
            "$.grants[0].limits.maxRowsReturned: must be a whole number"),
        Arguments.of(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\", \"a\"], \"connections\": [\"*\"]}]}",
            "$.grants[0].roles[1]: 'a' is listed twice"),
        Arguments.of(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"], \"connections\": [\"*\"], \"allow\": [{\"id\": \"r\", \"verb\": [\"SELECT\"]}]}]}",
            "$.grants[0].allow[0].verb: not a known key"),
        Arguments.of("{not json", "$: not valid JSON"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("invalid")
  void errorsNameTheJsonPath(String text, String message) throws Exception {
    assertThatThrownBy(() -> parser.parse(text))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(message);
    if (!message.contains("used twice") && !message.contains("not valid JSON")) {
      // The shipped schema rejects the same documents (duplicate ids are beyond JSON Schema).
      assertThat(schema().validate(new ObjectMapper().readTree(text))).as(text).isNotEmpty();
    }
  }
}
