-- SQLite's 026: till adjustment reasons kept sealed beside the ledger, not in it (see there).
-- Member-keyed: distributed by member_no with the ledger on Citus (pg-citus.sql).
CREATE TABLE adjustment_notes (
  member_no   TEXT COLLATE "C" NOT NULL,
  till_id     TEXT COLLATE "C" NOT NULL,
  seq         BIGINT NOT NULL,
  note_enc    BYTEA  NOT NULL,
  received_at TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (member_no, till_id, seq)
);
