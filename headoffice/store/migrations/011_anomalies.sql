-- Anomaly rules (issue 11, item 10; DOMAIN.md 4 anti-fraud): cases grow new kinds, which a
-- CHECK only allows by rebuilding the table. `dedupe` tells apart two cases one entry raises
-- (a member's and a cashier's earning velocity); '' for the kinds before this migration, so
-- their (trigger_till, trigger_seq) stay unique as before.
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
                    'redeem_after_earn')),
  detail        TEXT,
  dedupe        TEXT    NOT NULL DEFAULT '',
  UNIQUE (trigger_till, trigger_seq, dedupe)
);
INSERT INTO cases_new (id, member_no, tills, points, balance_after, trigger_till, trigger_seq, status, detected_at,
                       closed_at, closed_by, resolution, kind, detail)
  SELECT id, member_no, tills, points, balance_after, trigger_till, trigger_seq, status, detected_at,
         closed_at, closed_by, resolution, kind, detail FROM cases;
DROP TABLE cases;
ALTER TABLE cases_new RENAME TO cases;

-- Counters the rules keep per (rule, subject, time bucket): a cashier's points in an hour, the
-- enrolments of one phone prefix (a keyed hash, never the digits) in a day, ... A case is raised
-- once, when a counter reaches its threshold.
CREATE TABLE anomaly_counters (
  rule    TEXT    NOT NULL,
  subject TEXT    NOT NULL,
  bucket  TEXT    NOT NULL,
  n       INTEGER NOT NULL,
  PRIMARY KEY (rule, subject, bucket)
) STRICT;
