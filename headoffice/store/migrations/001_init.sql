-- Head office's schema. The ledger is append-only (triggers refuse UPDATE and DELETE);
-- member_state is a cache that folding the ledger again must reproduce.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE stores (
  store_id   TEXT PRIMARY KEY,
  created_at TEXT NOT NULL
) STRICT;

-- The HMAC needs the secret itself, so it is stored encrypted (keys.json), not hashed.
-- ack_seq/head_hash: the till's chain as far as head office holds it; head_sort_ms: the
-- running maximum of occurredAt along that chain (the merge order, see domain/order.ts).
CREATE TABLE tills (
  till_id        TEXT    PRIMARY KEY,
  store_id       TEXT    NOT NULL REFERENCES stores (store_id),
  secret_enc     BLOB    NOT NULL,
  ack_seq        INTEGER NOT NULL DEFAULT 0,
  head_hash      TEXT    NOT NULL,
  head_sort_ms   INTEGER NOT NULL DEFAULT 0,
  chain_status   TEXT    NOT NULL DEFAULT 'ok' CHECK (chain_status IN ('ok', 'broken')),
  chain_error    TEXT,
  bad_signatures INTEGER NOT NULL DEFAULT 0,
  last_upload_at TEXT,
  last_feed_at   TEXT,
  created_at     TEXT    NOT NULL
) STRICT;

CREATE TABLE ledger (
  till_id     TEXT    NOT NULL REFERENCES tills (till_id),
  seq         INTEGER NOT NULL,
  member_no   TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  points      INTEGER NOT NULL CHECK (points >= 0),
  spend       INTEGER NOT NULL,
  occurred_at TEXT    NOT NULL,
  local_date  TEXT    NOT NULL,
  expires_on  TEXT,
  sale_id     TEXT,
  return_id   TEXT,
  data        TEXT    NOT NULL,
  prev_hash   TEXT    NOT NULL,
  hash        TEXT    NOT NULL,
  sort_ms     INTEGER NOT NULL,
  received_at TEXT    NOT NULL,
  PRIMARY KEY (till_id, seq)
) STRICT;
CREATE INDEX ledger_member_order ON ledger (member_no, sort_ms, till_id, seq);
CREATE INDEX ledger_till_member ON ledger (till_id, member_no, seq);
CREATE INDEX ledger_till_sale ON ledger (till_id, sale_id);
CREATE INDEX ledger_kind ON ledger (kind);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

-- last_*: merge key of the last entry folded, so a batch that only appends folds incrementally.
CREATE TABLE member_state (
  member_no    TEXT    PRIMARY KEY,
  balance      INTEGER NOT NULL,
  tier         TEXT    NOT NULL,
  state        TEXT    NOT NULL,
  last_sort_ms INTEGER NOT NULL,
  last_till    TEXT    NOT NULL,
  last_seq     INTEGER NOT NULL,
  updated_at   TEXT    NOT NULL
) STRICT;

-- Personal fields AES-256-GCM encrypted; phone_hash is a keyed hash for lookup (not unique:
-- two stores may enrol the same number offline). fields_mac detects a no-op re-upload.
CREATE TABLE members (
  member_no          TEXT    PRIMARY KEY,
  phone_hash         BLOB    NOT NULL,
  name_enc           BLOB    NOT NULL,
  phone_enc          BLOB    NOT NULL,
  birthday_enc       BLOB,
  gender             TEXT,
  age_band           TEXT,
  preferred_channel  TEXT    NOT NULL,
  interests          TEXT    NOT NULL,
  consent_marketing  INTEGER NOT NULL,
  consent_text       TEXT    NOT NULL,
  consent_at         TEXT    NOT NULL,
  enrolled_store     TEXT    NOT NULL,
  enrolled_till      TEXT    NOT NULL,
  enrolled_by        TEXT,
  referrer_member_no TEXT,
  status             TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  class              TEXT CHECK (class IN ('A', 'B', 'C', 'D')),
  fields_mac         BLOB    NOT NULL,
  source_till        TEXT    NOT NULL,
  till_updated_at    TEXT,
  created_at         TEXT    NOT NULL,
  updated_at         TEXT    NOT NULL
) STRICT;
CREATE INDEX members_phone ON members (phone_hash);
CREATE INDEX members_store ON members (enrolled_store);

CREATE TABLE cards (
  code        TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('barcode', 'nfc', 'qr')),
  member_no   TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('active', 'blocked')),
  changed_at  TEXT NOT NULL,
  source_till TEXT NOT NULL
) STRICT;
CREATE INDEX cards_member ON cards (member_no);

-- check_note: 'ok', 'anonymous', 'pending' (entries not received yet), or why it mismatched.
CREATE TABLE sales (
  till_id           TEXT    NOT NULL,
  sale_id           TEXT    NOT NULL,
  store_id          TEXT    NOT NULL,
  member_no         TEXT,
  rule_version      INTEGER NOT NULL,
  request           TEXT    NOT NULL,
  points_earned     INTEGER NOT NULL,
  bonus_points      INTEGER NOT NULL,
  points_redeemed   INTEGER NOT NULL,
  total             INTEGER NOT NULL,
  occurred_at       TEXT    NOT NULL,
  recomputed_points INTEGER,
  recomputed_bonus  INTEGER,
  mismatch          INTEGER NOT NULL DEFAULT 0,
  check_note        TEXT    NOT NULL,
  received_at       TEXT    NOT NULL,
  PRIMARY KEY (till_id, sale_id)
) STRICT;
CREATE INDEX sales_store ON sales (store_id);
CREATE INDEX sales_member ON sales (member_no);

CREATE TABLE returns (
  till_id          TEXT    NOT NULL,
  return_id        TEXT    NOT NULL,
  original_sale_id TEXT    NOT NULL,
  request          TEXT    NOT NULL,
  points_reversed  INTEGER NOT NULL,
  points_restored  INTEGER NOT NULL,
  occurred_at      TEXT    NOT NULL,
  received_at      TEXT    NOT NULL,
  PRIMARY KEY (till_id, return_id)
) STRICT;

CREATE TABLE rule_sets (
  version        INTEGER PRIMARY KEY,
  programme      TEXT    NOT NULL,
  effective_from TEXT    NOT NULL,
  body           TEXT    NOT NULL,
  published_at   TEXT    NOT NULL
) STRICT;

-- The change feed. Personal data is not copied here: a member change names the member and
-- the feed reads (and decrypts) the current record when a till asks.
CREATE TABLE changes (
  cursor     INTEGER PRIMARY KEY AUTOINCREMENT,
  type       TEXT    NOT NULL CHECK (type IN ('member', 'card', 'balance', 'ruleset')),
  ref        TEXT    NOT NULL,
  payload    TEXT    NOT NULL,
  created_at TEXT    NOT NULL
);

-- Double spend review list (DOMAIN.md 4). One case per triggering entry, so folding a
-- member again cannot list the same overdraft twice.
CREATE TABLE cases (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  member_no     TEXT    NOT NULL,
  tills         TEXT    NOT NULL,
  points        INTEGER NOT NULL,
  balance_after INTEGER NOT NULL,
  trigger_till  TEXT    NOT NULL,
  trigger_seq   INTEGER NOT NULL,
  status        TEXT    NOT NULL DEFAULT 'open',
  detected_at   TEXT    NOT NULL,
  UNIQUE (trigger_till, trigger_seq)
);
