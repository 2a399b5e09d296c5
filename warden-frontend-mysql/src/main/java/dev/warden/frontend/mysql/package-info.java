/**
 * The MySQL/MariaDB front door: the greeting, TLS and the token as a cleartext password, the
 * gateway's own login to the database, and the command relay that hands each statement to the
 * enforcement kernel and carries its verdict back in MySQL's terms.
 */
package dev.warden.frontend.mysql;
