package dev.warden.core.sql;

/** The broad class of a statement, or of one part of a multi-statement string. */
public enum StatementClass {
  /** Not analysed: the foundation's pass-through analyzer. Policies must treat it as unknown. */
  UNANALYZED,
  /** Could not be parsed (or is too large to parse): never forwarded. */
  INVALID,
  /** Reads data: SELECT, VALUES, TABLE, SHOW. */
  READ,
  /** Writes rows: INSERT, UPDATE, DELETE, MERGE, TRUNCATE, SELECT INTO. */
  WRITE,
  /** Changes the schema: CREATE, ALTER, DROP, COMMENT, … */
  DDL,
  /** Changes privileges or roles: GRANT, REVOKE, CREATE/ALTER/DROP ROLE, SET ROLE. */
  DCL,
  /** Transaction control: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, … */
  TRANSACTION,
  /** Session settings: SET, RESET, SHOW (of settings), DISCARD. */
  SESSION,
  /** COPY in either direction. */
  COPY,
  /**
   * Everything else: EXPLAIN, PREPARE/EXECUTE/DEALLOCATE, LOCK, VACUUM, LISTEN/NOTIFY, DO, CALL…
   */
  UTILITY
}
