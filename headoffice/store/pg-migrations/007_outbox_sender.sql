-- SQLite's 018: the outbox's sender (docs/member-page.md "Messages").
ALTER TABLE outbox ADD COLUMN send_after TEXT COLLATE "C";
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN dedupe TEXT COLLATE "C";
CREATE UNIQUE INDEX outbox_dedupe ON outbox (member_no, dedupe);
