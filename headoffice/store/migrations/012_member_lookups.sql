-- Tills that looked a member up by mobile number (routes/sync.ts member lookup): such a till
-- serves the member, so the change feed sends it the member's name and phone from then on
-- (sqlite-feed.ts needsPersonal), as it does to a till whose entries head office holds.
CREATE TABLE member_lookups (
  till_id   TEXT NOT NULL,
  member_no TEXT NOT NULL,
  first_at  TEXT NOT NULL,
  PRIMARY KEY (till_id, member_no)
) WITHOUT ROWID;
