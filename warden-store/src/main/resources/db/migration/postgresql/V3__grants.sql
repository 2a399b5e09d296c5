-- Just-in-time grants (the whole grant as JSON; its end for loading the ones that matter).
CREATE TABLE jit_grant (
  id         TEXT    PRIMARY KEY,
  expires_ms BIGINT  NOT NULL,
  payload    TEXT    NOT NULL
);
CREATE INDEX jit_grant_expires ON jit_grant (expires_ms);
