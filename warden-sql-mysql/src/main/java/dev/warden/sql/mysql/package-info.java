/**
 * The MySQL/MariaDB analyzer: statement text as the server reads it (versioned comments expanded),
 * parsed by Druid's MySQL grammar, turned into the core's {@link dev.warden.core.sql.Statement}.
 */
package dev.warden.sql.mysql;
