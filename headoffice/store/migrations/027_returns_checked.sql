-- Head office recomputes every uploaded return as it does sales (domain/return-check.ts):
-- what it makes of the points reversed and restored, whether they differ from the till's, and
-- why. Returns recorded before this migration keep check_note NULL: not checked.
ALTER TABLE returns ADD COLUMN recomputed_reversed INTEGER;
ALTER TABLE returns ADD COLUMN recomputed_restored INTEGER;
ALTER TABLE returns ADD COLUMN mismatch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE returns ADD COLUMN check_note TEXT;
-- The tills list and the summary count mismatched returns (few) through this index.
CREATE INDEX returns_mismatch ON returns (till_id) WHERE mismatch = 1;
