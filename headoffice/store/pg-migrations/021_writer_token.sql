-- The cache token every write leaves (store/pg.ts, docs/postgres.md "Caches"), out of `meta`:
-- `meta` is a reference table on Citus, written on every node by two-phase commit, and this
-- token is written by every write transaction. Its own one-row table stays on the coordinator
-- (pg-citus.sql). No SQLite counterpart: one SQLite file has one head office and no token.
CREATE TABLE writer_token (
  id    SMALLINT PRIMARY KEY CHECK (id = 1),
  token TEXT COLLATE "C" NOT NULL
);
INSERT INTO writer_token (id, token) SELECT 1, value FROM meta WHERE key = 'writer';
DELETE FROM meta WHERE key = 'writer';
