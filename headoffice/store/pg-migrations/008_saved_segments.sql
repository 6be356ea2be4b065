-- SQLite's 019: saved segments (docs/campaigns.md "Saved segments"); a reference table on Citus
-- (pg-citus.sql): few rows, read with the campaigns.
CREATE TABLE saved_segments (
  segment_id    TEXT COLLATE "C" PRIMARY KEY,
  name          TEXT COLLATE "C" NOT NULL,
  rule          TEXT COLLATE "C" NOT NULL,
  count_at_save BIGINT NOT NULL,
  as_of         TEXT COLLATE "C" NOT NULL,
  created_by    TEXT COLLATE "C" NOT NULL,
  created_at    TEXT COLLATE "C" NOT NULL,
  renamed_by    TEXT COLLATE "C",
  renamed_at    TEXT COLLATE "C",
  deleted_by    TEXT COLLATE "C",
  deleted_at    TEXT COLLATE "C"
);
