-- Complaints and suggestions staff record at the till (DOMAIN.md 9). The free text may name
-- people, so it is kept encrypted with the till's field key like members' personal fields.
CREATE TABLE feedback (
  feedback_id TEXT    PRIMARY KEY,
  kind        TEXT    NOT NULL CHECK (kind IN ('complaint', 'suggestion')),
  category    TEXT    NOT NULL,
  text_enc    BLOB    NOT NULL,
  member_no   TEXT,
  follow_up   INTEGER NOT NULL CHECK (follow_up IN (0, 1)),
  staff_id    TEXT,
  recorded_at TEXT    NOT NULL
) STRICT;

-- The outbox learns the kind 'feedback', which SQLite only allows by rebuilding the table.
CREATE TABLE outbox_new (
  id         INTEGER PRIMARY KEY,
  kind       TEXT    NOT NULL CHECK (kind IN ('member', 'sale', 'return', 'card', 'feedback')),
  ref        TEXT    NOT NULL,
  ledger_seq INTEGER NOT NULL,
  created_at TEXT    NOT NULL
) STRICT;
INSERT INTO outbox_new (id, kind, ref, ledger_seq, created_at)
  SELECT id, kind, ref, ledger_seq, created_at FROM outbox ORDER BY id;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
