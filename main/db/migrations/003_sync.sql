-- Sync to head office. The outbox names the records (members, sales, returns, cards) written
-- in the same transaction as their ledger entries; `ledger_seq` is the ledger head after that
-- transaction, so a batch of entries can carry the records they belong with. Entries themselves
-- are uploaded straight from the ledger by sequence.

CREATE TABLE outbox (
  id         INTEGER PRIMARY KEY,
  kind       TEXT    NOT NULL CHECK (kind IN ('member', 'sale', 'return', 'card')),
  ref        TEXT    NOT NULL,
  ledger_seq INTEGER NOT NULL,
  created_at TEXT    NOT NULL
) STRICT;

-- What head office last confirmed about a member (change feed 'balance' and 'member').
-- `included_seq` is the highest of this till's entries head office had folded in.
CREATE TABLE hq_member_state (
  member_no    TEXT PRIMARY KEY,
  balance      INTEGER NOT NULL,
  -- the balance less points in lots past their expiry date: what may be spent offline
  available    INTEGER NOT NULL,
  tier         TEXT    NOT NULL,
  class        TEXT,
  confirmed_at TEXT    NOT NULL,
  included_seq INTEGER NOT NULL DEFAULT 0
) STRICT;

ALTER TABLE cards ADD COLUMN changed_at TEXT;
