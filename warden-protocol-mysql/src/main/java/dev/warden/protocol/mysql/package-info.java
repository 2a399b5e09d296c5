/** The MySQL/MariaDB client/server protocol: packets as records, framing, auth scrambles. */
package dev.warden.protocol.mysql;
