-- SQLite's 028: each till's acknowledged outbox row (feed `ackOutbox`), and the same after each
-- batch waiting in the inbox (see there). NULL: not known yet; new tills start at 0.
ALTER TABLE tills ADD COLUMN ack_outbox BIGINT;
ALTER TABLE inbox ADD COLUMN ack_outbox BIGINT;
