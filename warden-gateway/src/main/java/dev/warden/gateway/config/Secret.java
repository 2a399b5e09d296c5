package dev.warden.gateway.config;

/** A secret value from the configuration (a database password). Never printed. */
public record Secret(String value) {
  @Override
  public String toString() {
    return "Secret[<redacted>]";
  }
}
