-- Member lookups by number per till (routes/sync.ts), counted in the database rather than in
-- each process's memory, so several head-office processes hold a till to one limit together.
-- A window starts at a till's first lookup after the last window ended; `refused` counts the
-- lookups the limit turned away, shown on the till's row (GET /v1/tills). A table of its own,
-- not columns of `tills`: an apply pass holds the rows of the tills it applies until it commits.
CREATE TABLE till_lookups (
  till_id          TEXT    PRIMARY KEY,
  window_start     TEXT    NOT NULL,
  in_window        INTEGER NOT NULL,
  refused          INTEGER NOT NULL DEFAULT 0,
  last_refused_at  TEXT
);
