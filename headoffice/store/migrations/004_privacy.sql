-- Erasure (DOMAIN.md 10): personal fields are overwritten in place, the row stays as a
-- tombstone so a till that has not heard yet cannot upload the data back, and the ledger keeps
-- the member number so the books still balance.
ALTER TABLE members ADD COLUMN erased_at TEXT;

-- Manual actions on members (export, erasure), attributed to the operator who asked and why.
CREATE TABLE operator_actions (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('export', 'erase')),
  member_no   TEXT NOT NULL,
  operator_id TEXT NOT NULL,
  reason      TEXT NOT NULL
) STRICT;
CREATE INDEX operator_actions_member ON operator_actions (member_no, id);
