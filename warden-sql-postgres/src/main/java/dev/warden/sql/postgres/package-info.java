/**
 * The PostgreSQL dialect analyzer: PostgreSQL's own grammar (libpg_query), walked into Statements.
 */
package dev.warden.sql.postgres;
