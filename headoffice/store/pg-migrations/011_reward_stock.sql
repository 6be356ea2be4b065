-- SQLite's 022: limited-stock rewards (docs/sync.md "Limited-stock rewards"). Till-keyed
-- (Citus: distributed by till_id with the tills); the chain-wide count is one aggregate.
CREATE TABLE reward_units (
  till_id        TEXT COLLATE "C" NOT NULL,
  reservation_id TEXT COLLATE "C" NOT NULL,
  reward_id      TEXT COLLATE "C" NOT NULL,
  member_no      TEXT COLLATE "C" NOT NULL,
  status         TEXT COLLATE "C" NOT NULL CHECK (status IN ('reserved', 'issued')),
  reserved_at    TEXT COLLATE "C",
  expires_at     TEXT COLLATE "C",
  issued_seq     BIGINT,
  issued_at      TEXT COLLATE "C",
  occurred_at    TEXT COLLATE "C",
  offline        INTEGER NOT NULL DEFAULT 0,
  oversold       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (till_id, reservation_id)
);
CREATE INDEX reward_units_reward ON reward_units (reward_id, status, expires_at);
CREATE INDEX reward_units_oversold ON reward_units (oversold, reward_id);
