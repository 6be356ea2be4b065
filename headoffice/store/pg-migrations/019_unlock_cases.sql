-- SQLite's 030: cases of a new kind, personal_data_unlocks (domain/anomalies.ts).
ALTER TABLE cases DROP CONSTRAINT cases_kind_check;
ALTER TABLE cases ADD CONSTRAINT cases_kind_check
  CHECK (kind IN ('double_spend', 'coupon_reuse', 'expiry_conflict', 'earning_velocity_member',
                  'earning_velocity_cashier', 'enrolment_burst_prefix', 'enrolment_burst_cashier',
                  'redeem_after_earn', 'personal_data_unlocks'));
