-- Approval requests for held statements (the whole request as JSON; state and time for lookups).
CREATE TABLE approval_request (
  id         TEXT    PRIMARY KEY,
  created_ms INTEGER NOT NULL,
  state      TEXT    NOT NULL,
  payload    TEXT    NOT NULL
);
CREATE INDEX approval_request_state ON approval_request (state, created_ms);
