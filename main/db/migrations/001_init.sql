-- The till's schema. The ledger is append-only (triggers refuse UPDATE and DELETE);
-- member_state and lots are caches that a rebuild from the ledger must reproduce.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE rule_sets (
  programme      TEXT    NOT NULL,
  version        INTEGER NOT NULL,
  effective_from TEXT    NOT NULL,
  effective_ms   INTEGER NOT NULL,
  body           TEXT    NOT NULL,
  received_at    TEXT    NOT NULL,
  PRIMARY KEY (programme, version)
) STRICT;

CREATE TABLE members (
  member_no          TEXT PRIMARY KEY,
  phone_hash         BLOB NOT NULL UNIQUE,
  name_enc           BLOB NOT NULL,
  phone_enc          BLOB NOT NULL,
  birthday_enc       BLOB,
  gender             TEXT,
  age_band           TEXT,
  preferred_channel  TEXT NOT NULL DEFAULT 'none',
  interests          TEXT NOT NULL DEFAULT '[]',
  consent_marketing  INTEGER NOT NULL,
  consent_text       TEXT NOT NULL,
  consent_at         TEXT NOT NULL,
  referrer_member_no TEXT,
  enrolled_store     TEXT NOT NULL,
  enrolled_till      TEXT NOT NULL,
  enrolled_by        TEXT,
  class              TEXT,
  status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
) STRICT;

CREATE TABLE cards (
  code       TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('barcode', 'nfc', 'qr')),
  member_no  TEXT NOT NULL REFERENCES members (member_no),
  status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  created_at TEXT NOT NULL,
  blocked_at TEXT,
  blocked_by TEXT
) STRICT;
CREATE INDEX cards_member ON cards (member_no);

CREATE TABLE staff (
  staff_id   TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL CHECK (role IN ('cashier', 'supervisor', 'admin')),
  pin_hash   BLOB NOT NULL,
  pin_salt   BLOB NOT NULL,
  active     INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE sales (
  sale_id      TEXT PRIMARY KEY,
  member_no    TEXT,
  request_hash TEXT NOT NULL,
  request      TEXT NOT NULL,
  result       TEXT NOT NULL,
  computation  TEXT NOT NULL,
  rule_version INTEGER NOT NULL,
  total        INTEGER NOT NULL,
  occurred_at  TEXT NOT NULL,
  recorded_at  TEXT NOT NULL,
  staff_id     TEXT
) STRICT;
CREATE INDEX sales_member ON sales (member_no, occurred_at);

CREATE TABLE returns (
  return_id        TEXT PRIMARY KEY,
  original_sale_id TEXT NOT NULL REFERENCES sales (sale_id),
  request_hash     TEXT NOT NULL,
  request          TEXT NOT NULL,
  result           TEXT NOT NULL,
  occurred_at      TEXT NOT NULL,
  recorded_at      TEXT NOT NULL
) STRICT;
CREATE INDEX returns_sale ON returns (original_sale_id);

CREATE TABLE ledger (
  seq         INTEGER PRIMARY KEY,
  till_id     TEXT    NOT NULL,
  member_no   TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  points      INTEGER NOT NULL CHECK (points >= 0),
  spend       INTEGER NOT NULL DEFAULT 0,
  occurred_at TEXT    NOT NULL,
  local_date  TEXT    NOT NULL,
  expires_on  TEXT,
  sale_id     TEXT,
  return_id   TEXT,
  data        TEXT    NOT NULL,
  prev_hash   TEXT    NOT NULL,
  hash        TEXT    NOT NULL
) STRICT;
CREATE INDEX ledger_member ON ledger (member_no, seq);
CREATE INDEX ledger_sale ON ledger (sale_id);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

CREATE TABLE member_state (
  member_no TEXT PRIMARY KEY,
  balance   INTEGER NOT NULL,
  tier      TEXT    NOT NULL,
  state     TEXT    NOT NULL
) STRICT;

CREATE TABLE lots (
  member_no  TEXT    NOT NULL,
  lot_id     TEXT    NOT NULL,
  earned_on  TEXT    NOT NULL,
  expires_on TEXT,
  remaining  INTEGER NOT NULL CHECK (remaining > 0),
  PRIMARY KEY (member_no, lot_id)
) STRICT;
CREATE INDEX lots_expiry ON lots (expires_on);

CREATE TABLE coupons (
  code         TEXT PRIMARY KEY,
  member_no    TEXT NOT NULL,
  reward_id    TEXT NOT NULL,
  value        INTEGER NOT NULL,
  valid_from   TEXT NOT NULL,
  valid_to     TEXT NOT NULL,
  issued_seq   INTEGER NOT NULL,
  used_at      TEXT,
  used_sale_id TEXT
) STRICT;
CREATE INDEX coupons_member ON coupons (member_no);
