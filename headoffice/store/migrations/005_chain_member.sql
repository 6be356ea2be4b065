-- One member across the chain (DOMAIN.md 12).
-- A sale records the confirmed state it was computed against (the till's feed cursor) and the
-- day it was recorded; head office recomputes it from exactly that. Its per-line computation is
-- kept so a return at another store can take it back.
ALTER TABLE sales ADD COLUMN recorded_at TEXT;
ALTER TABLE sales ADD COLUMN basis TEXT;
ALTER TABLE sales ADD COLUMN computation TEXT;
-- A balance change carries the member's whole merged state; recompute finds the one a sale
-- was computed against by member and cursor.
CREATE INDEX changes_ref ON changes (ref, cursor);
-- Cases for review: double spends as before, and now a coupon used twice offline and an expiry
-- that met points a late offline entry had already spent.
ALTER TABLE cases ADD COLUMN kind TEXT NOT NULL DEFAULT 'double_spend'
  CHECK (kind IN ('double_spend', 'coupon_reuse', 'expiry_conflict'));
ALTER TABLE cases ADD COLUMN detail TEXT;
