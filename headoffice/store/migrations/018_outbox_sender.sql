-- The outbox's sender (docs/member-page.md "Messages"): messages queued by what happens (offers,
-- expiring points, tiers), held until 08:00 when decided in quiet hours, retried when the channel
-- is unavailable. send_after: not before this instant (quiet hours, backoff, or a sender's claim
-- lease); attempts: sends tried; dedupe: one message per member and key (expiring points: one per
-- lot date).
ALTER TABLE outbox ADD COLUMN send_after TEXT;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN dedupe TEXT;
CREATE UNIQUE INDEX outbox_dedupe ON outbox (member_no, dedupe);
