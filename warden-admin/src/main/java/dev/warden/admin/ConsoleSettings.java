package dev.warden.admin;

/** Where people sign in to the console: the OIDC issuer, and the console's client id there. */
public record ConsoleSettings(String issuer, String clientId) {}
