-- Trust boundaries (issue 11).
--
-- Member ownership: what head office refused of a till's member records (a personal-data
-- change of another store's member, a change of enrolledStore, a card of a member the till
-- does not hold), with the reason, counted on the till's row of GET /v1/tills. Never personal
-- data in `detail`: the member number and which field group was refused.
ALTER TABLE tills ADD COLUMN refused_changes INTEGER NOT NULL DEFAULT 0;
CREATE TABLE member_refusals (
  id        INTEGER PRIMARY KEY,
  till_id   TEXT NOT NULL,
  member_no TEXT NOT NULL,
  what      TEXT NOT NULL CHECK (what IN ('member', 'card')),
  reason    TEXT NOT NULL,
  detail    TEXT,
  -- keyed hash of what was refused: a resent batch does not count the same refusal twice
  fingerprint TEXT NOT NULL,
  at        TEXT NOT NULL,
  UNIQUE (till_id, member_no, what, reason, fingerprint)
) STRICT;
CREATE INDEX member_refusals_till ON member_refusals (till_id, id);

-- A card's last change names the till and, where the till sent it, the staff member.
ALTER TABLE cards ADD COLUMN changed_by TEXT;

-- Inbox bodies are encrypted with head office's field key (crypto.ts) from now on; `body`
-- stays for rows accepted before this migration (applied, then deleted, on the next start).
ALTER TABLE inbox ADD COLUMN body_enc BLOB;
