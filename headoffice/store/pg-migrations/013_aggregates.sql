-- SQLite's 024: head office's read model (see there).
CREATE TABLE agg_daily (
  local_date TEXT COLLATE "C" NOT NULL,
  store_id   TEXT COLLATE "C" NOT NULL,
  staff_id   TEXT COLLATE "C" NOT NULL,
  sales BIGINT NOT NULL DEFAULT 0,
  sales_total BIGINT NOT NULL DEFAULT 0,
  member_sales BIGINT NOT NULL DEFAULT 0,
  member_sales_total BIGINT NOT NULL DEFAULT 0,
  enrolments BIGINT NOT NULL DEFAULT 0,
  referred BIGINT NOT NULL DEFAULT 0,
  points_earn BIGINT NOT NULL DEFAULT 0,
  entries_earn BIGINT NOT NULL DEFAULT 0,
  points_bonus BIGINT NOT NULL DEFAULT 0,
  entries_bonus BIGINT NOT NULL DEFAULT 0,
  points_restore BIGINT NOT NULL DEFAULT 0,
  entries_restore BIGINT NOT NULL DEFAULT 0,
  points_adjust_credit BIGINT NOT NULL DEFAULT 0,
  entries_adjust_credit BIGINT NOT NULL DEFAULT 0,
  points_redeem BIGINT NOT NULL DEFAULT 0,
  entries_redeem BIGINT NOT NULL DEFAULT 0,
  points_reward BIGINT NOT NULL DEFAULT 0,
  entries_reward BIGINT NOT NULL DEFAULT 0,
  points_reverse BIGINT NOT NULL DEFAULT 0,
  entries_reverse BIGINT NOT NULL DEFAULT 0,
  points_expire BIGINT NOT NULL DEFAULT 0,
  entries_expire BIGINT NOT NULL DEFAULT 0,
  points_adjust_debit BIGINT NOT NULL DEFAULT 0,
  entries_adjust_debit BIGINT NOT NULL DEFAULT 0,
  points_tier BIGINT NOT NULL DEFAULT 0,
  entries_tier BIGINT NOT NULL DEFAULT 0,
  points_offer BIGINT NOT NULL DEFAULT 0,
  entries_offer BIGINT NOT NULL DEFAULT 0,
  points_stamp_return BIGINT NOT NULL DEFAULT 0,
  entries_stamp_return BIGINT NOT NULL DEFAULT 0,
  points_coupon_use BIGINT NOT NULL DEFAULT 0,
  entries_coupon_use BIGINT NOT NULL DEFAULT 0,
  points_service_use BIGINT NOT NULL DEFAULT 0,
  entries_service_use BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (staff_id, local_date, store_id)
);

CREATE TABLE agg_snapshot (
  snap_date TEXT COLLATE "C" NOT NULL,
  dimension TEXT COLLATE "C" NOT NULL,
  key       TEXT COLLATE "C" NOT NULL,
  members   BIGINT NOT NULL,
  PRIMARY KEY (snap_date, dimension, key)
);

-- The summary counts mismatched sales (few) through this index, not by scanning every sale.
CREATE INDEX sales_mismatch ON sales (till_id) WHERE mismatch = 1;

INSERT INTO meta (key, value) VALUES ('aggregates_stale', '1') ON CONFLICT (key) DO UPDATE SET value = '1';
