-- Batches head office has accepted (chain checked, durable, acknowledged to the till) but not
-- yet applied to the ledger and the member states (sqlite-inbox.ts). Rows leave in the same
-- transaction that applies them; a restart applies what is left. last_seq/last_hash: the
-- till's chain head once this batch is applied, so the next batch is checked against it.
CREATE TABLE inbox (
  id          INTEGER PRIMARY KEY,
  till_id     TEXT    NOT NULL REFERENCES tills (till_id),
  first_seq   INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL,
  last_hash   TEXT    NOT NULL,
  entries     INTEGER NOT NULL,
  body        TEXT    NOT NULL,
  received_at TEXT    NOT NULL
) STRICT;
CREATE INDEX inbox_till ON inbox (till_id, id);
