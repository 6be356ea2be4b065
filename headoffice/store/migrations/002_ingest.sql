-- Leaner batch ingest.
--
-- includes: the highest seq of each till among the member's entries (JSON object), kept next
-- to the state so a balance change does not scan the member's whole history. NULL on rows
-- written before this column existed; ingest computes it from the ledger when it meets one.
ALTER TABLE member_state ADD COLUMN includes TEXT;

-- Each batch touches hundreds of members, and every per-member index costs a page write per
-- member per batch. These two only served queries that now run rarely: a till's own chain for
-- one member (kept incrementally in memory, read back through ledger_member_order on a miss)
-- and the report's count of repeat buyers (one scan of sales on request).
DROP INDEX ledger_till_member;
DROP INDEX sales_member;
