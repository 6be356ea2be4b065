-- Head office's own decisions (DOMAIN.md 12): tier upgrades on the merged spend, expiry and
-- reviews in the end-of-day run, win-back offers, operators' adjustments. Each is a ledger entry
-- of the reserved till `hq`, chained like a till's, so `ledger` and the chain checks need nothing
-- new. The row has no secret (an empty blob): head office never authenticates a till `hq`, and
-- provisioning refuses the id. Plain INSERTs on purpose: a deployment that already has a till or
-- store called `hq` stops here (UNIQUE constraint failed) instead of mixing two chains.
INSERT INTO stores (store_id, created_at) VALUES ('hq', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
INSERT INTO tills (till_id, store_id, secret_enc, head_hash, created_at)
VALUES ('hq', 'hq', X'', '0000000000000000000000000000000000000000000000000000000000000000',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Adjustments and granted win-back offers are manual actions too (DOMAIN.md 10): the CHECK of
-- operator_actions grows, which SQLite only allows by rebuilding the table.
CREATE TABLE operator_actions_new (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  action      TEXT NOT NULL
    CHECK (action IN ('export', 'erase', 'close_case', 'clear_chain', 'adjust', 'win_back')),
  subject     TEXT NOT NULL,
  operator_id TEXT NOT NULL,
  reason      TEXT NOT NULL,
  detail      TEXT
) STRICT;
INSERT INTO operator_actions_new (id, at, action, subject, operator_id, reason, detail)
  SELECT id, at, action, subject, operator_id, reason, detail FROM operator_actions;
DROP TABLE operator_actions;
ALTER TABLE operator_actions_new RENAME TO operator_actions;
CREATE INDEX operator_actions_subject ON operator_actions (subject, id);
