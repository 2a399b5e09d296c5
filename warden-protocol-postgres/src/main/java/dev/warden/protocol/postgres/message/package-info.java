/**
 * One record per PostgreSQL v3 message, named as in the protocol documentation (<a
 * href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message
 * Formats</a>).
 */
package dev.warden.protocol.postgres.message;
