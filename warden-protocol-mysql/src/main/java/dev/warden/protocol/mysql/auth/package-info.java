/** The scrambles a client computes from a password for MySQL's authentication plugins. */
package dev.warden.protocol.mysql.auth;
