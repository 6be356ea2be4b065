-- Limited-stock rewards (issue 15 item 7; core/rewards/availability.ts, docs/sync.md): one row
-- per unit taken or held. A till's online reservation (reservation_id = the till's UUID) is
-- 'reserved' until expires_at, then released (derived: nothing deletes it) unless the till's
-- `reward` ledger entry naming it arrives first and makes it 'issued'. An offline issue (no
-- reservation) arrives 'issued' with reservation_id 'entry-<seq>' and offline = 1; oversold = 1
-- when the stock was already gone then (listed for review; the entry itself is never refused).
CREATE TABLE reward_units (
  till_id        TEXT    NOT NULL,
  reservation_id TEXT    NOT NULL,
  reward_id      TEXT    NOT NULL,
  member_no      TEXT    NOT NULL,
  status         TEXT    NOT NULL CHECK (status IN ('reserved', 'issued')),
  reserved_at    TEXT,
  expires_at     TEXT,
  issued_seq     INTEGER,
  issued_at      TEXT,
  occurred_at    TEXT,
  offline        INTEGER NOT NULL DEFAULT 0,
  oversold       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (till_id, reservation_id)
);
CREATE INDEX reward_units_reward ON reward_units (reward_id, status, expires_at);
CREATE INDEX reward_units_oversold ON reward_units (oversold, reward_id);
