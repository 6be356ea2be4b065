-- Erasure (DOMAIN.md 10): personal fields are overwritten in place, the row stays as a
-- tombstone so a till that has not heard yet cannot upload the data back, and the ledger keeps
-- the member number so the books still balance.
ALTER TABLE members ADD COLUMN erased_at TEXT;

-- Reviewing a double-spend case ends in closing it, with who and why.
ALTER TABLE cases ADD COLUMN closed_at TEXT;
ALTER TABLE cases ADD COLUMN closed_by TEXT;
ALTER TABLE cases ADD COLUMN resolution TEXT;

-- Every manual action at head office (DOMAIN.md 10: attributed and kept): on a member (export,
-- erase), a case (close_case) or a till (clear_chain). subject: the member number, case id or
-- till id; detail: what the action replaced (a cleared chain error), never personal data.
CREATE TABLE operator_actions (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('export', 'erase', 'close_case', 'clear_chain')),
  subject     TEXT NOT NULL,
  operator_id TEXT NOT NULL,
  reason      TEXT NOT NULL,
  detail      TEXT
) STRICT;
CREATE INDEX operator_actions_subject ON operator_actions (subject, id);
