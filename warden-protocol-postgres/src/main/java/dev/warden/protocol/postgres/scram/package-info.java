/** SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it, client side. */
package dev.warden.protocol.postgres.scram;
