-- The audit trail: one row per event, hash-chained (each row's hash covers its predecessor's).
CREATE TABLE audit_record (
  seq             INTEGER PRIMARY KEY,
  at_ms           INTEGER NOT NULL,
  kind            TEXT    NOT NULL,
  session_id      TEXT,
  identity        TEXT,
  connection_name TEXT,
  payload         TEXT    NOT NULL,
  prev_hash       TEXT    NOT NULL,
  hash            TEXT    NOT NULL
);
CREATE INDEX audit_record_session ON audit_record (session_id, seq);
CREATE INDEX audit_record_at ON audit_record (at_ms);

-- Signed checkpoints: the chain's head at a point, signed with the gateway's Ed25519 key.
CREATE TABLE audit_checkpoint (
  seq       INTEGER PRIMARY KEY,
  hash      TEXT    NOT NULL,
  at_ms     INTEGER NOT NULL,
  key_id    TEXT    NOT NULL,
  signature TEXT    NOT NULL
);
