/** Framing of MySQL packets: the 3-byte length and sequence id, and 16 MiB split packets. */
package dev.warden.protocol.mysql.codec;
