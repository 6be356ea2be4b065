-- Complaints and suggestions recorded at the tills (DOMAIN.md 9), keyed by (till, the till's
-- id) so a batch sent again adds nothing; `id` is the operators' handle. The member's words and
-- the closing note may name people: kept encrypted with the field key like members' fields.
CREATE TABLE feedback (
  id            INTEGER PRIMARY KEY,
  till_id       TEXT NOT NULL,
  feedback_id   TEXT NOT NULL,
  store_id      TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('complaint', 'suggestion')),
  category      TEXT NOT NULL,
  text_enc      BLOB NOT NULL,
  member_no     TEXT,
  follow_up     INTEGER NOT NULL CHECK (follow_up IN (0, 1)),
  staff_id      TEXT,
  recorded_at   TEXT NOT NULL,
  received_at   TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'assigned', 'closed')),
  assignee      TEXT,
  assigned_at   TEXT,
  closed_at     TEXT,
  closed_by     TEXT,
  close_note_enc BLOB,
  UNIQUE (till_id, feedback_id)
) STRICT;
CREATE INDEX feedback_status ON feedback (status, id);

-- operator_actions grows (assigning and closing feedback), which SQLite only allows by rebuilding the table.
CREATE TABLE operator_actions_new (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN (
    'export', 'erase', 'close_case', 'clear_chain', 'adjust', 'win_back', 'feedback_assign', 'feedback_close'
  )),
  subject     TEXT NOT NULL,
  operator_id TEXT NOT NULL,
  reason      TEXT NOT NULL,
  detail      TEXT
) STRICT;
INSERT INTO operator_actions_new (id, at, action, subject, operator_id, reason, detail)
  SELECT id, at, action, subject, operator_id, reason, detail FROM operator_actions;
DROP TABLE operator_actions;
ALTER TABLE operator_actions_new RENAME TO operator_actions;
CREATE INDEX operator_actions_subject ON operator_actions (subject, id);
