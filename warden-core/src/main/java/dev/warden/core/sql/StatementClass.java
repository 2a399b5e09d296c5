package dev.warden.core.sql;

/** The broad class of a statement. */
public enum StatementClass {
  /** Not analysed: the foundation's pass-through analyzer. Policies must treat it as unknown. */
  UNANALYZED
}
