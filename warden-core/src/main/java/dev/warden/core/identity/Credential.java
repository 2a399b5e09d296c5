package dev.warden.core.identity;

/** What a client presented as its password: a service key or a token. Never printed. */
public record Credential(String secret) {
  @Override
  public String toString() {
    return "Credential[<redacted>]";
  }
}
