-- Saved segments (issue 13 item 6, docs/campaigns.md): a member view kept under a name as its
-- rule (JSON, core/campaigns.ts SegmentRule), re-evaluated when used, with the count at save
-- time; who saved, renamed and deleted it, and when. A deleted segment keeps its row (an ended
-- campaign still names it) and leaves the list.
CREATE TABLE saved_segments (
  segment_id    TEXT    PRIMARY KEY,
  name          TEXT    NOT NULL,
  rule          TEXT    NOT NULL,
  count_at_save INTEGER NOT NULL,
  as_of         TEXT    NOT NULL,
  created_by    TEXT    NOT NULL,
  created_at    TEXT    NOT NULL,
  renamed_by    TEXT,
  renamed_at    TEXT,
  deleted_by    TEXT,
  deleted_at    TEXT
) STRICT;
