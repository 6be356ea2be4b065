-- The durable print queue (main/receipts). A receipt is queued after its sale commits and
-- marked printed only once the printer took every byte and reported ready; a sale's own
-- receipt is queued at most once (the partial unique index), reprints are further rows.

CREATE TABLE print_jobs (
  job_id          INTEGER PRIMARY KEY,
  sale_id         TEXT    NOT NULL REFERENCES sales (sale_id),
  kind            TEXT    NOT NULL CHECK (kind IN ('sale', 'reprint')),
  lang            TEXT    NOT NULL CHECK (lang IN ('zh-CN', 'en')),
  status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'printed', 'expired', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  created_at      TEXT    NOT NULL,
  last_attempt_at TEXT,
  printed_at      TEXT,
  bytes           INTEGER,
  printer         TEXT
) STRICT;
CREATE UNIQUE INDEX print_jobs_one_per_sale ON print_jobs (sale_id) WHERE kind = 'sale';
CREATE INDEX print_jobs_status ON print_jobs (status, job_id);
