-- The last outbox row of each till head office holds with every row before it (UploadBatch
-- `outbox`, ingest.ts nextAckOutbox), answered on every feed page as `ackOutbox`: a till whose
-- own is higher (head office restored from a backup) sends its outbox again from there, so a
-- card block, feedback, a preference change or a member record that rode no entry of its own is
-- not lost (docs/sync.md, "Head office restored from a backup"). NULL: not known yet (a till
-- row from before this migration, or a till that names no outbox rows); the first batch naming
-- them sets it. New tills start at 0 (store/tills.ts addTillStep).
ALTER TABLE tills ADD COLUMN ack_outbox INTEGER;
-- The same after each accepted batch still waiting to be applied (inbox.ts), as last_seq is the
-- chain's head after it: acknowledged counts what waits.
ALTER TABLE inbox ADD COLUMN ack_outbox INTEGER;
