-- SQLite's 017: the outbox, one-time sign-in codes and member sessions (docs/member-page.md).
-- outbox and member_sessions are member-keyed (member_no in the key, distributed by it on Citus).
CREATE TABLE outbox (
  member_no  TEXT COLLATE "C" NOT NULL,
  message_id TEXT COLLATE "C" NOT NULL,
  purpose    TEXT COLLATE "C" NOT NULL CHECK (purpose IN ('otp', 'offer', 'expiring', 'tier')),
  marketing  INTEGER NOT NULL CHECK (marketing IN (0, 1)),
  body       TEXT COLLATE "C" NOT NULL,
  status     TEXT COLLATE "C" NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  channel    TEXT COLLATE "C",
  result     TEXT COLLATE "C",
  queued_at  TEXT COLLATE "C" NOT NULL,
  sent_at    TEXT COLLATE "C",
  PRIMARY KEY (member_no, message_id)
);
CREATE INDEX outbox_status ON outbox (status, queued_at);

CREATE TABLE member_otps (
  phone_hash      BYTEA PRIMARY KEY,
  member_no       TEXT COLLATE "C",
  code_hash       BYTEA,
  expires_at      TEXT COLLATE "C",
  tries           INTEGER NOT NULL DEFAULT 0,
  last_sent_at    TEXT COLLATE "C" NOT NULL,
  window_start    TEXT COLLATE "C" NOT NULL,
  sent_in_window  INTEGER NOT NULL
);

CREATE TABLE member_sessions (
  member_no    TEXT COLLATE "C" NOT NULL,
  token_hash   BYTEA NOT NULL,
  created_at   TEXT COLLATE "C" NOT NULL,
  expires_at   TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (member_no, token_hash)
);
