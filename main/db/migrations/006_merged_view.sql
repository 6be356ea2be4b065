-- One member across the chain (DOMAIN.md 12). Head office's change feed now carries the
-- member's whole merged state; the till keeps it (`state`, JSON of core MemberState) with the
-- feed cursor it arrived at, and decides on it plus its own unconfirmed entries.
ALTER TABLE hq_member_state ADD COLUMN state TEXT;
ALTER TABLE hq_member_state ADD COLUMN cursor INTEGER NOT NULL DEFAULT 0;
-- Which confirmed state a sale was computed against ({cursor, confirmedThrough}, JSON), and
-- the day the till recorded it: head office recomputes the sale from exactly that.
ALTER TABLE sales ADD COLUMN basis TEXT;
