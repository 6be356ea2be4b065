-- The member page's codes belong to a number and the client address that asked (domain/otp.ts,
-- SECURITY.md): a stranger elsewhere can no longer replace a member's code or spend its tries.
-- member_otps is keyed by (phone_hash, client_hash): client_hash is HMAC of the client's address
-- key (IPv4, or IPv6 /64; never the address itself). The row with the empty client_hash carries
-- no code and counts the number's codes from every address (a day's window).
-- Older rows become those per-number counts; their codes go (5 minutes' life: ask again).
CREATE TABLE member_otps_new (
  phone_hash      BLOB    NOT NULL,
  client_hash     BLOB    NOT NULL DEFAULT X'',
  member_no       TEXT,
  code_hash       BLOB,
  expires_at      TEXT,
  tries           INTEGER NOT NULL DEFAULT 0,
  last_sent_at    TEXT    NOT NULL,
  window_start    TEXT    NOT NULL,
  sent_in_window  INTEGER NOT NULL,
  PRIMARY KEY (phone_hash, client_hash)
) STRICT;
INSERT INTO member_otps_new (phone_hash, client_hash, last_sent_at, window_start, sent_in_window)
  SELECT phone_hash, X'', last_sent_at, window_start, sent_in_window FROM member_otps;
DROP TABLE member_otps;
ALTER TABLE member_otps_new RENAME TO member_otps;
-- Counters past their day are deleted as codes are asked for.
CREATE INDEX member_otps_window ON member_otps (window_start);

-- Codes asked for per client address, over every number (an hour's window). Holds no number.
CREATE TABLE member_otp_clients (
  client_hash     BLOB    PRIMARY KEY,
  last_sent_at    TEXT    NOT NULL,
  window_start    TEXT    NOT NULL,
  sent_in_window  INTEGER NOT NULL
) STRICT;
CREATE INDEX member_otp_clients_window ON member_otp_clients (window_start);
