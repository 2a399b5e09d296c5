package dev.warden.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyCheckTest {
  @Test
  void anErrorIsPlacedAtTheLineOfItsPath() {
    String draft =
        """
        {
          "version": 1,
          "grants": [
            {"id": "g", "roles": ["agent"], "connections": ["shop"],
             "allow": [
               {"id": "ok", "classes": ["READ"]},
               {"id": "bad", "classes": ["READS"]}
             ]}
          ]
        }
        """;
    Map<String, Object> out = PolicyCheck.check(draft);
    assertThat(out.get("valid")).isEqualTo(false);
    assertThat(out.get("line")).isEqualTo(7);
    assertThat(String.valueOf(out.get("error"))).contains("READS");
  }

  @Test
  void brokenJsonIsPlacedWhereTheParserStopped() {
    Map<String, Object> out = PolicyCheck.check("{\n  \"version\": 1,\n  \"grants\": [,]\n}\n");
    assertThat(out.get("valid")).isEqualTo(false);
    assertThat(out.get("line")).isEqualTo(3);
  }

  @Test
  void aValidDraftIsCounted() {
    Map<String, Object> out =
        PolicyCheck.check(
            "{\"version\": 1, \"grants\": [{\"id\": \"g\", \"roles\": [\"a\"],"
                + " \"connections\": [\"c\"], \"allow\": [{\"id\": \"r\", \"classes\": [\"READ\"]}]}]}");
    assertThat(out)
        .containsEntry("valid", true)
        .containsEntry("grants", 1)
        .containsEntry("rules", 1);
  }
}
