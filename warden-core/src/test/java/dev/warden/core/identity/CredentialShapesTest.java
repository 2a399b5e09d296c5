package dev.warden.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Credentials in the wrong field are found wherever they hide; ordinary names and SQL are not. */
class CredentialShapesTest {
  static final String JWT =
      "eyJraWQiOiJ3YXJkZW4tZGVtbyIsInR5cCI6IkpXVCIsImFsZyI6IlJTMjU2In0"
          + ".eyJzdWIiOiJhZ2VudCIsImF1ZCI6IndhcmRlbiJ9"
          + ".c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYW5kLW1vcmUtYnl0ZXM";

  @Test
  void aJwtOrAServiceKeyIsRedactedAnywhere() {
    assertThat(CredentialShapes.redact(JWT)).isEqualTo("[credential]");
    assertThat(CredentialShapes.redact("SELECT '" + JWT + "' AS t"))
        .isEqualTo("SELECT '[credential]' AS t");
    assertThat(CredentialShapes.redact("user=wdn_3q2Xv_8Ld0aQ9kZpLw4u7Rr1sTt"))
        .isEqualTo("user=[credential]");
    assertThat(CredentialShapes.redact("Bearer " + JWT + "x")).doesNotContain("eyJzdWIi");
  }

  @Test
  void namingFieldsLoseAnythingLongAndOpaque() {
    assertThat(CredentialShapes.redactName("ghp_abcdEFGH1234ijklMNOP5678qrstUVWX90yz"))
        .isEqualTo("[credential]");
    assertThat(CredentialShapes.redactName("c2VjcmV0LXRva2VuLXRoYXQtaXMtbG9uZy1lbm91Z2g="))
        .isEqualTo("[credential]");
    assertThat(CredentialShapes.redactName(JWT)).isEqualTo("[credential]");
  }

  @Test
  void ordinaryNamesAndStatementsPass() {
    for (String name :
        new String[] {
          "agent",
          "psql",
          "PostgreSQL JDBC Driver",
          "my-service_v2",
          "system:serviceaccount:ci:deployer",
          "DBeaver 24.1.0 - SQLEditor <Script-3.sql>",
          "",
        }) {
      assertThat(CredentialShapes.redactName(name)).isEqualTo(name);
    }
    String sql = "SELECT id, email FROM customers WHERE created_at > now() - interval '1 day'";
    assertThat(CredentialShapes.redact(sql)).isSameAs(sql);
    assertThat(CredentialShapes.redact(null)).isNull();
  }
}
