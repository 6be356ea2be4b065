-- The member's own page and messages (issue 15 items 3 and 4, docs/member-page.md).

-- Messages to members: one row per message the policy let through (headoffice/domain/messages.ts);
-- a message refused (no marketing consent, quiet hours, frequency cap) is never queued. The text
-- is kept for the audit; the phone is not (it is read from members when sent). Member-keyed.
CREATE TABLE outbox (
  member_no  TEXT NOT NULL,
  message_id TEXT NOT NULL,
  purpose    TEXT NOT NULL CHECK (purpose IN ('otp', 'offer', 'expiring', 'tier')),
  marketing  INTEGER NOT NULL CHECK (marketing IN (0, 1)),
  body       TEXT NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  channel    TEXT,
  result     TEXT,
  queued_at  TEXT NOT NULL,
  sent_at    TEXT,
  PRIMARY KEY (member_no, message_id)
) STRICT;
CREATE INDEX outbox_status ON outbox (status, queued_at);

-- One-time sign-in codes, by keyed hash of the phone (any number asked for, member or not, so
-- the rate limit cannot tell them apart). code_hash: HMAC of phone and code, never the code.
CREATE TABLE member_otps (
  phone_hash      BLOB    PRIMARY KEY,
  member_no       TEXT,
  code_hash       BLOB,
  expires_at      TEXT,
  tries           INTEGER NOT NULL DEFAULT 0,
  last_sent_at    TEXT    NOT NULL,
  window_start    TEXT    NOT NULL,
  sent_in_window  INTEGER NOT NULL
) STRICT;

-- Signed-in members: the cookie is "<memberNo>.<secret>", kept as HMAC of the secret. Member-keyed.
CREATE TABLE member_sessions (
  member_no    TEXT NOT NULL,
  token_hash   BLOB NOT NULL,
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  PRIMARY KEY (member_no, token_hash)
) STRICT;
