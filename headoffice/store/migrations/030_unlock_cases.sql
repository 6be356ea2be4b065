-- A new anomaly rule, personal_data_unlocks (domain/anomalies.ts): a till first sent the names and
-- phones of 30 other stores' members in one hour. Cases' kinds are a CHECK, which SQLite changes
-- only by rebuilding the table (as 011 did); ids, AUTOINCREMENT's sequence and rows are kept.
CREATE TABLE cases_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  member_no     TEXT    NOT NULL,
  tills         TEXT    NOT NULL,
  points        INTEGER NOT NULL,
  balance_after INTEGER NOT NULL,
  trigger_till  TEXT    NOT NULL,
  trigger_seq   INTEGER NOT NULL,
  status        TEXT    NOT NULL DEFAULT 'open',
  detected_at   TEXT    NOT NULL,
  closed_at     TEXT,
  closed_by     TEXT,
  resolution    TEXT,
  kind          TEXT    NOT NULL DEFAULT 'double_spend'
    CHECK (kind IN ('double_spend', 'coupon_reuse', 'expiry_conflict', 'earning_velocity_member',
                    'earning_velocity_cashier', 'enrolment_burst_prefix', 'enrolment_burst_cashier',
                    'redeem_after_earn', 'personal_data_unlocks')),
  detail        TEXT,
  dedupe        TEXT    NOT NULL DEFAULT '',
  UNIQUE (trigger_till, trigger_seq, dedupe)
);
INSERT INTO cases_new (id, member_no, tills, points, balance_after, trigger_till, trigger_seq, status, detected_at,
                       closed_at, closed_by, resolution, kind, detail, dedupe)
  SELECT id, member_no, tills, points, balance_after, trigger_till, trigger_seq, status, detected_at,
         closed_at, closed_by, resolution, kind, detail, dedupe FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;
