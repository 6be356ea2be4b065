-- A return may be taken at any store (DOMAIN.md 12): online, the till fetches a sale of
-- another store from head office and records the return against it. Such a return has no row
-- in this till's `sales`, so `returns` is rebuilt without its foreign key to `sales`, and says
-- whose sale it took back (`original_till_id`; NULL = this till's own sale).
CREATE TABLE returns_new (
  return_id        TEXT PRIMARY KEY,
  original_sale_id TEXT NOT NULL,
  request_hash     TEXT NOT NULL,
  request          TEXT NOT NULL,
  result           TEXT NOT NULL,
  occurred_at      TEXT NOT NULL,
  recorded_at      TEXT NOT NULL,
  original_till_id TEXT
) STRICT;
INSERT INTO returns_new (return_id, original_sale_id, request_hash, request, result, occurred_at, recorded_at)
  SELECT return_id, original_sale_id, request_hash, request, result, occurred_at, recorded_at
  FROM returns ORDER BY rowid;
DROP TABLE returns;
ALTER TABLE returns_new RENAME TO returns;
CREATE INDEX returns_sale ON returns (original_sale_id);

-- The sales of other tills this till took returns against, as head office answered the
-- lookup (JSON of core/sync/protocol.ts OriginalSale): what the return was computed from.
CREATE TABLE foreign_sales (
  till_id    TEXT NOT NULL,
  sale_id    TEXT NOT NULL,
  store_id   TEXT NOT NULL,
  member_no  TEXT,
  body       TEXT NOT NULL,
  fetched_at TEXT NOT NULL,
  PRIMARY KEY (till_id, sale_id)
) STRICT;
