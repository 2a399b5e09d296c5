/** The PostgreSQL v3 wire protocol: messages as records, framing, and SCRAM authentication. */
package dev.warden.protocol.postgres;
