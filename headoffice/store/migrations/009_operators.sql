-- Named operators (issue 11, item 7): each with a role and a credential of their own, kept as
-- the SHA-256 of a random 32-byte token (a random token needs no slow hash), so the audit trail
-- names who acted instead of a free-text id. The shared HQ_OPERATOR_TOKEN only bootstraps the
-- first admin (auth/operator.ts).
CREATE TABLE operators (
  operator_id  TEXT PRIMARY KEY,
  role         TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
  token_sha256 BLOB NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL
) STRICT;
