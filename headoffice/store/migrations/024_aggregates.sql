-- Head office's read model (issue 13 item 7, docs/decisions.md "Read models"): the programme
-- measures summed per local date, store and staff member (core/aggregates.ts says what each
-- column is), kept in the transaction that applies entries (store/aggregates.ts), so reports
-- read days x stores rows instead of the ledger. Backfilled from the ledger, sales and members
-- when the store next opens (meta aggregates_stale): a sale's local date needs the programme's
-- time zone, which SQL cannot apply on both databases alike. WITHOUT ROWID: a date range is
-- one scan of the primary key, no lookup per row. staff_id '' rows are whole store days, first in
-- the key so a report's date range of them is one contiguous range.
CREATE TABLE agg_daily (
  local_date TEXT NOT NULL,
  store_id   TEXT NOT NULL,
  staff_id   TEXT NOT NULL,
  sales INTEGER NOT NULL DEFAULT 0,
  sales_total INTEGER NOT NULL DEFAULT 0,
  member_sales INTEGER NOT NULL DEFAULT 0,
  member_sales_total INTEGER NOT NULL DEFAULT 0,
  enrolments INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0,
  points_earn INTEGER NOT NULL DEFAULT 0,
  entries_earn INTEGER NOT NULL DEFAULT 0,
  points_bonus INTEGER NOT NULL DEFAULT 0,
  entries_bonus INTEGER NOT NULL DEFAULT 0,
  points_restore INTEGER NOT NULL DEFAULT 0,
  entries_restore INTEGER NOT NULL DEFAULT 0,
  points_adjust_credit INTEGER NOT NULL DEFAULT 0,
  entries_adjust_credit INTEGER NOT NULL DEFAULT 0,
  points_redeem INTEGER NOT NULL DEFAULT 0,
  entries_redeem INTEGER NOT NULL DEFAULT 0,
  points_reward INTEGER NOT NULL DEFAULT 0,
  entries_reward INTEGER NOT NULL DEFAULT 0,
  points_reverse INTEGER NOT NULL DEFAULT 0,
  entries_reverse INTEGER NOT NULL DEFAULT 0,
  points_expire INTEGER NOT NULL DEFAULT 0,
  entries_expire INTEGER NOT NULL DEFAULT 0,
  points_adjust_debit INTEGER NOT NULL DEFAULT 0,
  entries_adjust_debit INTEGER NOT NULL DEFAULT 0,
  points_tier INTEGER NOT NULL DEFAULT 0,
  entries_tier INTEGER NOT NULL DEFAULT 0,
  points_offer INTEGER NOT NULL DEFAULT 0,
  entries_offer INTEGER NOT NULL DEFAULT 0,
  points_stamp_return INTEGER NOT NULL DEFAULT 0,
  entries_stamp_return INTEGER NOT NULL DEFAULT 0,
  points_coupon_use INTEGER NOT NULL DEFAULT 0,
  entries_coupon_use INTEGER NOT NULL DEFAULT 0,
  points_service_use INTEGER NOT NULL DEFAULT 0,
  entries_service_use INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (staff_id, local_date, store_id)
) STRICT, WITHOUT ROWID;

-- The end-of-day run's distributions of that day (tier, class, churn inputs): the tier and
-- class of members as of the run, for the overview's trends (store/aggregates.ts).
CREATE TABLE agg_snapshot (
  snap_date TEXT    NOT NULL,
  dimension TEXT    NOT NULL,
  key       TEXT    NOT NULL,
  members   INTEGER NOT NULL,
  PRIMARY KEY (snap_date, dimension, key)
) STRICT;

-- The summary counts mismatched sales (few) through this index, not by scanning every sale.
CREATE INDEX sales_mismatch ON sales (till_id) WHERE mismatch = 1;

INSERT INTO meta (key, value) VALUES ('aggregates_stale', '1') ON CONFLICT (key) DO UPDATE SET value = '1';
