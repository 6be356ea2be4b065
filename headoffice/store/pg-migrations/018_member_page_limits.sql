-- SQLite's 029: the member page's codes belong to a number and the client address that asked
-- (see there). The row with the empty client_hash counts the number's codes from every address.
-- Older rows become those per-number counts; their codes go (5 minutes' life: ask again).
-- Keyed by phone_hash first, the column member_otps is distributed by on Citus (pg-citus.sql).
ALTER TABLE member_otps ADD COLUMN client_hash BYTEA NOT NULL DEFAULT ''::bytea;
UPDATE member_otps SET member_no = NULL, code_hash = NULL, expires_at = NULL, tries = 0;
ALTER TABLE member_otps DROP CONSTRAINT member_otps_pkey;
ALTER TABLE member_otps ADD PRIMARY KEY (phone_hash, client_hash);
CREATE INDEX member_otps_window ON member_otps (window_start);

-- Codes asked for per client address, over every number (an hour's window). Holds no number.
CREATE TABLE member_otp_clients (
  client_hash     BYTEA PRIMARY KEY,
  last_sent_at    TEXT COLLATE "C" NOT NULL,
  window_start    TEXT COLLATE "C" NOT NULL,
  sent_in_window  INTEGER NOT NULL
);
CREATE INDEX member_otp_clients_window ON member_otp_clients (window_start);
