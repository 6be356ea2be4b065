-- SQLite's 016: campaigns and the members each chose (docs/campaigns.md). campaigns is a
-- reference table on Citus, campaign_members is distributed by member_no (pg-citus.sql).
CREATE TABLE campaigns (
  campaign_id     TEXT COLLATE "C" PRIMARY KEY,
  name            TEXT COLLATE "C" NOT NULL,
  status          TEXT COLLATE "C" NOT NULL CHECK (status IN ('draft', 'approved', 'running', 'ended')),
  target          TEXT COLLATE "C" NOT NULL,
  offer           TEXT COLLATE "C" NOT NULL,
  holdout_percent INTEGER NOT NULL,
  budget_points   BIGINT NOT NULL,
  cost_per_grant  BIGINT NOT NULL,
  created_by      TEXT COLLATE "C" NOT NULL,
  created_at      TEXT COLLATE "C" NOT NULL,
  approved_by     TEXT COLLATE "C",
  approved_at     TEXT COLLATE "C",
  started_at      TEXT COLLATE "C",
  ended_at        TEXT COLLATE "C"
);

CREATE TABLE campaign_members (
  campaign_id  TEXT COLLATE "C" NOT NULL,
  member_no    TEXT COLLATE "C" NOT NULL,
  member_group TEXT COLLATE "C" NOT NULL CHECK (member_group IN ('target', 'holdout')),
  chosen_at    TEXT COLLATE "C" NOT NULL,
  granted_at   TEXT COLLATE "C",
  entry        TEXT COLLATE "C",
  PRIMARY KEY (campaign_id, member_no)
);
CREATE INDEX campaign_members_member ON campaign_members (member_no);
