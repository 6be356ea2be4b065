-- SQLite's 014: operator_actions also records a segment's members exported as CSV
-- (members-report.ts).
ALTER TABLE operator_actions DROP CONSTRAINT operator_actions_action_check;
ALTER TABLE operator_actions ADD CONSTRAINT operator_actions_action_check CHECK (action IN (
  'export', 'erase', 'close_case', 'clear_chain', 'adjust', 'win_back', 'feedback_assign', 'feedback_close',
  'export_segment'
));
