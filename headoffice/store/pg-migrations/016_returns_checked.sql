-- SQLite's 027: each uploaded return recomputed by head office (domain/return-check.ts).
-- Till-keyed like the rest of returns (distributed by till_id on Citus).
ALTER TABLE returns ADD COLUMN recomputed_reversed BIGINT;
ALTER TABLE returns ADD COLUMN recomputed_restored BIGINT;
ALTER TABLE returns ADD COLUMN mismatch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE returns ADD COLUMN check_note TEXT COLLATE "C";
CREATE INDEX returns_mismatch ON returns (till_id) WHERE mismatch = 1;
