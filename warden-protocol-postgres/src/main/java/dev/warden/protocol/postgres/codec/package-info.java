/** Netty framing, decoding and encoding of PostgreSQL messages. */
package dev.warden.protocol.postgres.codec;
