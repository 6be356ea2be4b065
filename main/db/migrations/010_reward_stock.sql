-- Limited-stock rewards (issue 15 item 7, docs/sync.md "Limited-stock rewards"): the last count
-- of units left head office told this till (a feed page or a reservation answer), and the till's
-- acknowledged seq when it asked: its own offline issues above that seq are not in the count.
CREATE TABLE reward_stock (
  reward_id TEXT    PRIMARY KEY,
  remaining INTEGER NOT NULL CHECK (remaining >= 0),
  basis_seq INTEGER NOT NULL,
  known_at  TEXT    NOT NULL
) STRICT;
