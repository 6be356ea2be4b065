-- Why applying a till's waiting batches last failed (inbox.ts), kept with the batches so every
-- head-office process sees which tills are stuck and the operator's backlog shows why.
ALTER TABLE inbox ADD COLUMN apply_error TEXT;
