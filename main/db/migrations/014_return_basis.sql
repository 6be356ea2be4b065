-- The confirmed state (feed cursor and the till's seqs it included) a member's return was
-- decided on, as sales keep theirs (006): uploaded with the return so head office can rebuild
-- the till's view of the member and check a shortfall under `deductFromRefund` (DOMAIN.md 6).
-- NULL for returns without a member and for those recorded before this migration.
ALTER TABLE returns ADD COLUMN basis TEXT;
