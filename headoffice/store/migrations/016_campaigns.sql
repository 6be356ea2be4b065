-- Campaigns (issue 15, docs/campaigns.md): a target rule, an offer, a holdout share and a points
-- budget, approved by a second operator. target and offer are JSON (core/campaigns.ts).
CREATE TABLE campaigns (
  campaign_id     TEXT    PRIMARY KEY,
  name            TEXT    NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('draft', 'approved', 'running', 'ended')),
  target          TEXT    NOT NULL,
  offer           TEXT    NOT NULL,
  holdout_percent INTEGER NOT NULL,
  budget_points   INTEGER NOT NULL,
  cost_per_grant  INTEGER NOT NULL,
  created_by      TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  approved_by     TEXT,
  approved_at     TEXT,
  started_at      TEXT,
  ended_at        TEXT
) STRICT;

-- Who the campaign chose and in which group; granted_at/entry once the offer entry is written
-- (a target member the budget did not reach keeps them null). Member-keyed: member_no in the key.
CREATE TABLE campaign_members (
  campaign_id  TEXT NOT NULL,
  member_no    TEXT NOT NULL,
  member_group TEXT NOT NULL CHECK (member_group IN ('target', 'holdout')),
  chosen_at    TEXT NOT NULL,
  granted_at   TEXT,
  entry        TEXT,
  PRIMARY KEY (campaign_id, member_no)
) STRICT;
CREATE INDEX campaign_members_member ON campaign_members (member_no);
