-- SQLite's 023: member preferences' history (docs/member-page.md "Preferences").
CREATE TABLE member_preference_changes (
  member_no         TEXT COLLATE "C" NOT NULL,
  change_id         TEXT COLLATE "C" NOT NULL,
  origin            TEXT COLLATE "C" NOT NULL CHECK (origin IN ('till', 'page')),
  till_id           TEXT COLLATE "C",
  staff_id          TEXT COLLATE "C",
  at                TEXT COLLATE "C" NOT NULL,
  stated_at         TEXT COLLATE "C" NOT NULL,
  received_at       TEXT COLLATE "C" NOT NULL,
  consent_marketing INTEGER CHECK (consent_marketing IN (0, 1)),
  preferred_channel TEXT COLLATE "C",
  interests_enc     BYTEA,
  PRIMARY KEY (member_no, change_id)
);

-- As SQLite's 023: consenting members with the old default 'none' keep getting SMS.
UPDATE members SET preferred_channel = 'sms'
 WHERE consent_marketing = 1 AND preferred_channel = 'none' AND erased_at IS NULL;
