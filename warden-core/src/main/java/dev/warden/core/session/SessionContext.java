package dev.warden.core.session;

import dev.warden.core.identity.Identity;

/** Who a session is, where it came from, and which connection it uses. */
public record SessionContext(
    String sessionId,
    Identity identity,
    String connection,
    String clientAddress,
    String applicationName) {}
