/**
 * One record per MySQL packet, named as in the MySQL client/server protocol documentation, each
 * decoding and encoding its own payload.
 */
package dev.warden.protocol.mysql.message;
