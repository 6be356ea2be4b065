-- operator_actions grows (a segment's members exported as CSV: members-report.ts), which SQLite
-- only allows by rebuilding the table.
CREATE TABLE operator_actions_new (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN (
    'export', 'erase', 'close_case', 'clear_chain', 'adjust', 'win_back', 'feedback_assign', 'feedback_close',
    'export_segment'
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
