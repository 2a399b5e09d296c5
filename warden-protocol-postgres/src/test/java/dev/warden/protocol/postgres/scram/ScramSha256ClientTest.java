package dev.warden.protocol.postgres.scram;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScramSha256ClientTest {
  // RFC 7677, section 3.
  static final String SERVER_FIRST =
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

  @Test
  void rfc7677TestVector() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    assertThat(client.clientFirstMessage()).isEqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    assertThat(client.clientFinalMessage(SERVER_FIRST))
        .isEqualTo(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    client.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
  }

  @Test
  void aSharedCacheComputesTheSaltedPasswordOnceAndGivesTheSameProof() {
    SaltedPasswordCache cache = new SaltedPasswordCache();
    for (int i = 0; i < 3; i++) {
      ScramSha256Client client =
          new ScramSha256Client("user", "pencil", "rOprNGfwEbeRWgbNEkqO", cache);
      client.clientFirstMessage();
      assertThat(client.clientFinalMessage(SERVER_FIRST))
          .endsWith("p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
      client.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }
    assertThat(cache.size()).isEqualTo(1);
    int[] computed = {0};
    cache.get(
        "other-salt",
        4096,
        () -> {
          computed[0]++;
          return new byte[32];
        });
    cache.get(
        "other-salt",
        4096,
        () -> {
          computed[0]++;
          return new byte[32];
        });
    assertThat(computed[0]).isEqualTo(1);
  }

  @Test
  void wrongServerSignatureIsRejected() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    client.clientFirstMessage();
    client.clientFinalMessage(SERVER_FIRST);
    assertThatThrownBy(
            () -> client.verifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
        .isInstanceOf(ScramException.class)
        .hasMessageContaining("does not know the password");
  }

  @Test
  void serverFinalBeforeClientFinalIsRejected() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", "abc");
    assertThatThrownBy(
            () -> client.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
        .isInstanceOf(ScramException.class);
  }

  @Test
  void serverNonceMustExtendTheClientNonce() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", "clientnonce");
    client.clientFirstMessage();
    assertThatThrownBy(
            () -> client.clientFinalMessage("r=othernonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
        .isInstanceOf(ScramException.class)
        .hasMessageContaining("nonce");
    assertThatThrownBy(
            () -> client.clientFinalMessage("r=clientnonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"))
        .isInstanceOf(ScramException.class);
  }

  @Test
  void absurdIterationCountsAndMissingAttributesAreRejected() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", "n");
    client.clientFirstMessage();
    assertThatThrownBy(
            () -> client.clientFinalMessage("r=nX,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2000000000"))
        .isInstanceOf(ScramException.class);
    assertThatThrownBy(() -> client.clientFinalMessage("r=nX,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=x"))
        .isInstanceOf(ScramException.class);
    assertThatThrownBy(() -> client.clientFinalMessage("r=nX,i=4096"))
        .isInstanceOf(ScramException.class);
    assertThatThrownBy(() -> client.clientFinalMessage("r=nX,s=***,i=4096"))
        .isInstanceOf(ScramException.class);
  }

  @Test
  void serverErrorAttributeIsReported() {
    ScramSha256Client client = new ScramSha256Client("user", "pencil", "n");
    assertThatThrownBy(() -> client.verifyServerFinal("e=invalid-proof"))
        .hasMessageContaining("invalid-proof");
  }

  @Test
  void md5ResponseMatchesPostgresFormula() {
    // "md5" + md5(md5hex("secret" + "alice") + salt 01 02 03 04), computed independently.
    assertThat(Md5Password.response("alice", "secret", 0x01020304))
        .isEqualTo("md598a0412b9c31436fc53776e863350083");
  }
}
