-- SQLite's 015: store and till names registered at head office, with who set them and when;
-- the staff member who rang a sale up (the sale request's `staffId`).
ALTER TABLE stores ADD COLUMN name TEXT COLLATE "C";
ALTER TABLE stores ADD COLUMN name_set_at TEXT COLLATE "C";
ALTER TABLE stores ADD COLUMN name_set_by TEXT COLLATE "C";
ALTER TABLE tills ADD COLUMN name TEXT COLLATE "C";
ALTER TABLE tills ADD COLUMN name_set_at TEXT COLLATE "C";
ALTER TABLE tills ADD COLUMN name_set_by TEXT COLLATE "C";
ALTER TABLE sales ADD COLUMN staff_id TEXT COLLATE "C";
UPDATE sales SET staff_id = request::jsonb ->> 'staffId' WHERE jsonb_typeof(request::jsonb -> 'staffId') = 'string';
CREATE INDEX sales_store_staff ON sales (store_id, staff_id);
