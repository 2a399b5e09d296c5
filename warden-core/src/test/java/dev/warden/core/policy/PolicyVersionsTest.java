package dev.warden.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyVersionsTest {
  static final String V1 =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["*"],
        "allow": [{"id": "read", "classes": ["READ"]}]}]}""";
  static final String V2 =
      """
      {"version": 1, "grants": [{"id": "g", "roles": ["agent"], "connections": ["*"],
        "allow": [{"id": "read", "classes": ["READ", "WRITE"]}],
        "limits": {"maxRowsAffected": 10, "statementTimeout": "30s"}}]}""";

  final PolicyVersions versions =
      new PolicyVersions(
          new PolicyParser(),
          Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC),
          V1,
          "test");

  @Test
  void aValidTextBecomesTheNextVersionAndAnUnchangedOneIsNoNewVersion() {
    assertThat(versions.readOnly(Set.of("agent"), "shop")).isTrue();
    assertThat(versions.load(V2, "test").number()).isEqualTo(2);
    assertThat(versions.load(V2, "test").number()).isEqualTo(2);
    assertThat(versions.readOnly(Set.of("agent"), "shop")).isFalse();
    assertThat(versions.limits(Set.of("agent"), "shop").maxRowsAffected()).isEqualTo(10);
    assertThat(versions.history()).extracting(PolicyVersions.Version::number).containsExactly(2, 1);
    assertThat(versions.history().get(1).sha256()).hasSize(64).isEqualTo(PolicyVersions.sha256(V1));
  }

  @Test
  void anInvalidTextIsRejectedAndTheVersionInForceStays() {
    String broken = V2.replace("\"READ\", \"WRITE\"", "\"READ\", \"WRTE\"");
    assertThatThrownBy(() -> versions.load(broken, "test"))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining("$.grants[0].allow[0].classes[1]: unknown class 'WRTE'");
    assertThat(versions.current().number()).isEqualTo(1);
    assertThat(versions.readOnly(Set.of("agent"), "shop")).isTrue();
    assertThat(versions.lastRejection())
        .hasValueSatisfying(r -> assertThat(r.error()).contains("WRTE"));
    assertThat(versions.known(broken)).isTrue();
    // A later valid load clears the rejection.
    versions.load(V2, "test");
    assertThat(versions.lastRejection()).isEmpty();
  }

  @Test
  void historyIsBounded() {
    for (int i = 0; i < PolicyVersions.HISTORY + 5; i++) {
      versions.load(V1.replace("\"read\"", "\"read" + i + "\""), "test");
    }
    assertThat(versions.history()).hasSize(PolicyVersions.HISTORY);
    assertThat(versions.history().getFirst().number()).isEqualTo(PolicyVersions.HISTORY + 6);
  }

  @Test
  void limitsCombineToTheStrictestPositiveValue() {
    Limits a = new Limits(100, 0, java.time.Duration.ofSeconds(30));
    Limits b = new Limits(0, 5, java.time.Duration.ofSeconds(10));
    assertThat(a.stricter(b)).isEqualTo(new Limits(100, 5, java.time.Duration.ofSeconds(10)));
    assertThat(Limits.NONE.stricter(Limits.NONE)).isEqualTo(Limits.NONE);
  }
}
