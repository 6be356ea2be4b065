-- SQLite's 031: member lookups per till counted in the database, so every head-office process
-- holds a till to the one limit (see there). Till-keyed: distributed by till_id (pg-citus.sql).
CREATE TABLE till_lookups (
  till_id          TEXT COLLATE "C" PRIMARY KEY,
  window_start     TEXT COLLATE "C" NOT NULL,
  in_window        INTEGER NOT NULL,
  refused          INTEGER NOT NULL DEFAULT 0,
  last_refused_at  TEXT COLLATE "C"
);
